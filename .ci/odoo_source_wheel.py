"""Write a wheel named ``odoo`` that puts an Odoo source tree on ``sys.path``, as ``pip install -e`` would.

The add-ons' wheels require ``odoo==19.0.*`` (whool maps Odoo's own modules to it), and Odoo 19.0 is not on
PyPI. An editable install of the tree would satisfy that but writes its build metadata into the tree; this
wheel holds only a ``.pth`` (the same mechanism as an editable install) and the tree's version. Odoo 19's
``odoo`` and ``odoo.addons`` are namespace packages, so the add-ons that wheels install under
``site-packages/odoo/addons`` sit beside the tree's. Called by ``./dev check-wheels``.

    python odoo_source_wheel.py ODOO_PATH WHEEL_DIR   (prints the wheel's path)
"""

import base64
import hashlib
import pathlib
import re
import sys
import zipfile


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def main(odoo_path, wheel_dir):
    odoo_path = pathlib.Path(odoo_path).resolve()
    release = (odoo_path / "odoo" / "release.py").read_text()
    major, minor = re.search(r"^version_info = \((\d+), (\d+),", release, re.MULTILINE).groups()
    version = f"{major}.{minor}"
    dist_info = f"odoo-{version}.dist-info"
    files = {
        "odoo-source-tree.pth": f"{odoo_path}\n",
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: odoo\nVersion: {version}\n"
        f"Summary: The Odoo source tree at {odoo_path}\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: odoo_source_wheel\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    records = [record_line(name, text.encode()) for name, text in files.items()]
    records.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = "\n".join(records) + "\n"
    wheel = pathlib.Path(wheel_dir) / f"odoo-{version}-py3-none-any.whl"
    wheel.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    print(wheel)


if __name__ == "__main__":
    main(*sys.argv[1:])
