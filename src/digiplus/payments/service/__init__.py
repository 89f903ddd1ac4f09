"""The payments service layer: plain functions taking a Session and a Caller, no HTTP."""
