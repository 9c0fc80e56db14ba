"""`python -m tests.emulator --port N --token T`: the emulator as its own process."""

from .server import main

main()
