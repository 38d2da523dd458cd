"""Everything that drives the core from outside: console, Slack, Discord, CLI, scheduler.
Adapters translate platform input into core commands and render the core's replies."""
