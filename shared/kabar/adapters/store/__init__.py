"""The register's DynamoDB table, one repository per aggregate (composed in ``adapters.dynamo``)."""
