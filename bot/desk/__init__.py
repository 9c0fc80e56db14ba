"""The web desk (issue 16): leads read transcripts, statistics and the access log in a browser."""
