"""Repositories: the only place that speaks SQL. Each takes the sessionmaker and opens one
session per unit of work, so concurrent tasks never share a session."""
