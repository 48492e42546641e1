"""Use cases: one module per SOP step. They call the domain's rules and the ports, nothing else."""
