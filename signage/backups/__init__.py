"""Backups of the platform and their restore (issue 16 item 4): the database (pg_dump, custom
format), the media objects it references and the warehouse partitions, in the backup store."""
