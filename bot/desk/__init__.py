"""The web desk: safeguarding leads review transcripts in a browser, signed in from Telegram."""
