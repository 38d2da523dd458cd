"""The Slack adapter: slack-bolt's AsyncApp over aiohttp (or Socket Mode), slack-sdk."""
