"""Adapters: boto3 and HTTP clients behind the ports of ``kabar.ports``."""
