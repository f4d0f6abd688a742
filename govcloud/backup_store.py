"""The backup canary's objects in Swift: the platform's backup account of each region, via openstacksdk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from monitoring.backup_canary import CanaryStoreError
from stacks.naming import swift_account


class SwiftCanaryStore:
    """Reads and writes canary objects in the backup account (the authenticated project's) per region."""

    def __init__(self, connect: Callable[[str], Any]) -> None:
        self._connect = connect
        self._regions: dict[str, tuple[Any, str]] = {}

    def _at(self, region: str) -> tuple[Any, str]:
        if region not in self._regions:
            conn = self._connect(region)
            base = conn.object_store.get_endpoint().rsplit("/", 1)[0]
            self._regions[region] = (conn, f"{base}/{swift_account(conn.current_project_id)}")
        return self._regions[region]

    def _request(self, region: str, method: str, path: str, **kwargs: Any) -> Any:
        from keystoneauth1.exceptions import ClientException
        from openstack.exceptions import SDKException

        try:
            conn, base = self._at(region)
            return getattr(conn.object_store, method)(f"{base}/{path}", raise_exc=False, **kwargs)
        except (SDKException, ClientException, OSError) as error:
            raise CanaryStoreError(f"{region}: {method.upper()} {path}: {error}") from error

    def write(self, region: str, container: str, name: str, stamp: float) -> None:
        response = self._request(
            region,
            "put",
            f"{container}/{name}",
            data=f"{stamp:.3f}".encode(),
            headers={"Content-Type": "text/plain"},
        )
        if response.status_code != 201:
            raise CanaryStoreError(f"{region}: PUT {container}/{name}: HTTP {response.status_code}")

    def read(self, region: str, container: str, name: str) -> float | None:
        response = self._request(region, "get", f"{container}/{name}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise CanaryStoreError(f"{region}: GET {container}/{name}: HTTP {response.status_code}")
        try:
            return float(response.content.decode())
        except ValueError as error:
            raise CanaryStoreError(f"{region}: {container}/{name} holds no canary time") from error


class SwiftBackupAccount:
    """Objects and containers of the platform's backup account, region by region (for restore drills)."""

    def __init__(self, connect: Callable[[str], Any]) -> None:
        self._store = SwiftCanaryStore(connect)

    def put(
        self, region: str, path: str, data: bytes | None = None, headers: dict[str, str] | None = None
    ) -> None:
        response = self._store._request(region, "put", path, data=data, headers=headers or {})
        if response.status_code not in (201, 202):
            raise CanaryStoreError(f"{region}: PUT {path}: HTTP {response.status_code}")

    def get(self, region: str, path: str) -> tuple[bytes, str] | None:
        """The object's body and ETag (its MD5), None when it is not there."""
        response = self._store._request(region, "get", path)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise CanaryStoreError(f"{region}: GET {path}: HTTP {response.status_code}")
        return bytes(response.content), response.headers.get("Etag", "").strip('"')

    def delete(self, region: str, path: str) -> None:
        response = self._store._request(region, "delete", path)
        if response.status_code not in (204, 404):
            raise CanaryStoreError(f"{region}: DELETE {path}: HTTP {response.status_code}")
