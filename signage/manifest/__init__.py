"""The player manifest (§12, §27.8.1, §31.7-31.9): resolve, cache, render."""
