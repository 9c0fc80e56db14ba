"""The Telegram front end: python-telegram-bot handlers around the pure advice core."""
