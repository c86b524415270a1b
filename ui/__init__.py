"""The user interface over the assistant: the app's tabs, rendering, exports and feedback."""
