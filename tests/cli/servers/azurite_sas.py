"""Creates a container in Azurite and prints a container SAS for it (tests only).

usage: azurite_sas.py BLOB_ENDPOINT CONTAINER   (account name and key in AZURITE_ACCOUNT/AZURITE_KEY)

sakr's Azure SDK (azure_storage_blob 1.x) cannot sign with an account key, so the tests give it a
SAS, as an operator would; the official Python SDK mints it with Azurite's well-known dev key.
"""
import os
import sys
from datetime import datetime, timedelta, timezone

from azure.core.exceptions import ResourceExistsError
from azure.storage.blob import BlobServiceClient, ContainerSasPermissions, generate_container_sas

endpoint, container = sys.argv[1], sys.argv[2]
account, key = os.environ["AZURITE_ACCOUNT"], os.environ["AZURITE_KEY"]
conn = (
    f"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={key};"
    f"BlobEndpoint={endpoint};"
)
service = BlobServiceClient.from_connection_string(conn)
try:
    service.create_container(container)
except ResourceExistsError:
    pass
sas = generate_container_sas(
    account_name=account,
    container_name=container,
    account_key=key,
    permission=ContainerSasPermissions(read=True, add=True, create=True, write=True, delete=True, list=True),
    expiry=datetime.now(timezone.utc) + timedelta(days=1),
)
print(sas)
