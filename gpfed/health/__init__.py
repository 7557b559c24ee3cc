"""Health checks for load balancers and monitors (``/health/live``, ``/health/ready``) and the
task workers' heartbeat they read."""
