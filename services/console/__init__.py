"""The crisis team's web console: pages over the services' public APIs."""
