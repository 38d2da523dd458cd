"""The Discord adapter, on discord.py 2.7: rendering and outbox delivery so far; the bot
with its /learn app commands, modals and persistent buttons comes next (issue #5)."""
