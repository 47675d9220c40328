#!/bin/sh
# Builds the SnapUpgrade Console package: infra/install/build-deb.sh <version> <outdir>
# -> <outdir>/snapupgrade_<version>_amd64.deb. Self-contained (linux-x64): Debian has no .NET package,
# so the runtime ships inside /usr/lib/snapupgrade. The layout and every owner and mode are in the
# README ("Install on a host"); ADR 0020 says why.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 <version> <outdir>   (version as Debian spells it: 1.2.3, 1.2.3~rc1)" >&2
    exit 2
fi
version=$1
outdir=$2
case $version in
    [0-9]*) ;;
    *) echo "$0: version '$version' must start with a digit" >&2; exit 2 ;;
esac
if printf '%s' "$version" | LC_ALL=C grep -q '[^A-Za-z0-9.+~-]'; then
    echo "$0: version '$version' may hold only letters, digits and . + ~ -" >&2
    exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
stage=$(mktemp -d "${TMPDIR:-/tmp}/snapupgrade-deb-XXXXXX")
trap 'rm -rf "$stage"' EXIT
root=$stage/root
app=$root/usr/lib/snapupgrade

dotnet publish "$repo/web" -c Release -r linux-x64 --self-contained true -o "$app" \
    -p:DebugType=none -p:PublishDocumentationFile=false -p:IsWebConfigTransformDisabled=true --nologo
rm -f "$app/web.config" "$app"/*.xml

install -d "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/snapupgrade" "$root/usr/share/doc/snapupgrade"
ln -s ../lib/snapupgrade/SnapUpgrade.Web "$root/usr/bin/snapupgrade"
install -m 0644 "$here/snapupgrade-engine.service" "$here/snapupgrade-web.service" "$root/lib/systemd/system/"
install -m 0644 "$here/snapupgrade.env" "$root/etc/snapupgrade/snapupgrade.env"
install -m 0644 "$repo/README.md" "$root/usr/share/doc/snapupgrade/README.md"

# Whatever the builder's umask: directories 0755, files 0644, the two programs 0755.
find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f -exec chmod 0644 {} +
chmod 0755 "$app/SnapUpgrade.Web" "$app/createdump"

install -d "$root/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size/" "$here/debian/control.in" > "$root/DEBIAN/control"
install -m 0644 "$here/debian/conffiles" "$root/DEBIAN/conffiles"
install -m 0755 "$here/debian/postinst" "$here/debian/prerm" "$here/debian/postrm" "$root/DEBIAN/"

mkdir -p "$outdir"
# gzip: a fraction of xz's time on a small build machine, for a package installed once per host.
dpkg-deb --root-owner-group -Zgzip --build "$root" "$outdir/snapupgrade_${version}_amd64.deb"
