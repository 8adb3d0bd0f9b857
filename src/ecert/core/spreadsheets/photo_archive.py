"""The zip of photos that comes with a replacement or records file (seed 001 附件 二.3–4): each photo
named ``ZJHM.jpg`` after the holder's ID number, in a folder named like the Excel file.

A photo is found by the name the ZP column gives, or else by the holder's ID number; folders in the
zip do not matter. The zip comes from outside, so nothing is unpacked to disk, names are only
looked up, and a member larger than a photo can be is refused before it is read.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from ecert.core.errors import EcertError

MAX_PHOTO_BYTES = 2 * 2**20  # no ID photo is this large; a bigger member is not read
LABEL = ("照片", "photo")


class PhotoArchive:
    """Photos by name, read on demand from one zip file."""

    def __init__(self, path: Path, *, display_name: str = "") -> None:
        self.name = display_name or path.name
        try:
            self._zip = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as error:
            raise EcertError(
                "photos_not_zip",
                "照片压缩包无法打开，请上传 zip 格式的压缩包",
                "the photo archive cannot be opened; upload a zip file",
                file=self.name,
            ) from error
        self._members: dict[str, zipfile.ZipInfo] = {}
        for info in self._zip.infolist():
            if info.is_dir():
                continue
            key = _key(PurePosixPath(info.filename.replace("\\", "/")).name)
            self._members.setdefault(key, info)

    def photo(self, name: str, *, id_number: str) -> bytes | None:
        """The photo the ZP cell names (``name``), or ``<ID number>.jpg`` when it names none;
        None when neither is in the zip and the cell is blank. EcertError when the cell names
        a photo the zip lacks, or the member is too large to be a photo."""
        wanted = [name] if name else [f"{id_number}.jpg", f"{id_number}.jpeg"]
        info = next((self._members[k] for k in map(_key, wanted) if k in self._members), None)
        if info is None:
            if not name:
                return None
            raise EcertError(
                "photo_missing",
                f"照片压缩包中没有“{name}”",
                f"the photo archive has no {name!r}",
                file=self.name,
                field="photo",
                label=LABEL,
            )
        if info.file_size > MAX_PHOTO_BYTES:
            raise EcertError(
                "photo_too_large",
                f"照片“{info.filename}”超过 2 MB，不是证件照",
                f"the photo {info.filename!r} is larger than 2 MB: not an ID photo",
                file=self.name,
                field="photo",
                label=LABEL,
            )
        with self._zip.open(info) as member:
            data = member.read(MAX_PHOTO_BYTES + 1)
        return data[:MAX_PHOTO_BYTES]

    def close(self) -> None:
        self._zip.close()


def _key(name: str) -> str:
    return name.strip().upper()
