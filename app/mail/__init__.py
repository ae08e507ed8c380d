"""E-mail: written into a queue in the transaction of what it tells, sent by a scheduled job."""
