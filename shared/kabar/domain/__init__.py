"""Pure domain: pydantic models and the SOP's rules. No I/O, no boto3."""
