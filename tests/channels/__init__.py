"""Tests of the publishing channels and the fake Graph API."""
