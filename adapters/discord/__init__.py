"""The Discord adapter, on discord.py 2.7: the bot (bot.py), rendering within Discord's
limits (render.py), outbox delivery to DMs (sender.py), and `tandem discord` (app.py)."""
