"""What every feature shares: errors, time, SQL helpers, pagination, unit of work, mail,
the analysis of Chinese text."""
