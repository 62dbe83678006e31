"""What we remember: aiosqlite schema, migrations, repositories, PTB persistence."""
