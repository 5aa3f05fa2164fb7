#!/usr/bin/env bash
# Builds the images the product's images are layered on, from Debian packages and the local JDK,
# without Docker and without a registry:
#
#   base          Debian 12 libraries only (libc, libgcc, zlib, libelf, libbpf) + passwd/group
#   java          base + a JDK 25 runtime trimmed by jlink (/opt/java)   <- Jib's base (tar://)
#   prometheus    base + Debian's prometheus and promtool                (docker-compose.yml)
#   alertmanager  base + Debian's prometheus-alertmanager and amtool     (docker-compose.yml)
#
# Usage: images/build-base.sh [OUT_DIR]          (default: target/images in the repository)
# Writes OUT_DIR/{base,java,prometheus,alertmanager}.tar in `docker save` format (load with
# `docker load -i FILE`; Jib reads java.tar as `tar://`) and OUT_DIR/images.txt ("TAG FILE" lines).
#
# Needs: apt (with its lists: `apt-get update`), dpkg-deb, GNU tar, sha256sum, and JDK 25 (jlink).
# Built once per content: the key hashes this script, the exact .deb files apt would fetch (their
# SHA256 from apt's lists) and the JDK's `release` file. Results are kept under
# ${PEREGRINE_IMAGE_CACHE:-~/.cache/peregrine/images}/KEY, so a second run costs seconds (apt-cache).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/scripts/env.sh"
out=${1:-$repo/target/images}
cache_root=${PEREGRINE_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/peregrine/images}

# libbpf1 pulls libelf1 and zlib1g; the JVM needs libc and libgcc_s (thread unwinding) only.
base_packages=(base-files libc6 libgcc-s1 zlib1g libelf1 libbpf1 netbase)
# The union of what `jdeps --print-module-deps` reports for the detector's and the sidekick's jars,
# plus jdk.crypto.ec, jdk.charsets and jdk.zipfs that libraries reach by reflection or service lookup.
jlink_modules=java.base,java.compiler,java.desktop,java.instrument,java.logging,java.management,java.naming,java.net.http,java.prefs,java.scripting,java.security.jgss,java.security.sasl,java.sql,jdk.charsets,jdk.crypto.ec,jdk.httpserver,jdk.jfr,jdk.management,jdk.net,jdk.unsupported,jdk.zipfs
# Fixed timestamp of every file and image, as the jars' (project.build.outputTimestamp).
epoch=1795564800
created=2026-11-25T00:00:00Z
nonroot=65532 # the sidekick's user, as distroless names it
nobody=65534  # prometheus and alertmanager run as nobody, as their upstream images do

# --- the key ------------------------------------------------------------------------------------
# One apt-cache call (each loads apt's whole cache): the candidate version and SHA256 of every package.
declare -A version sha256
candidates() {
  apt-cache show --no-all-versions "${base_packages[@]}" prometheus prometheus-alertmanager 2>/dev/null \
    | grep -E '^(Package|Version|SHA256):' || true
}
meta=$(candidates)
if [ "$(grep -c '^SHA256:' <<<"$meta")" -lt $(( ${#base_packages[@]} + 2 )) ] && [ "$(id -u)" -eq 0 ]; then
  apt-get update -qq # a machine whose package lists were cleaned
  meta=$(candidates)
fi
while read -r field value; do
  case $field in
    Package:) p=$value ;;
    Version:) version[$p]=$value ;;
    SHA256:) sha256[$p]=$value ;;
  esac
done <<<"$meta"
for p in "${base_packages[@]}" prometheus prometheus-alertmanager; do
  if [ -z "${sha256[$p]:-}" ]; then
    echo "build-base: apt knows no candidate for $p: run apt-get update (Debian 12 sources)" >&2
    exit 1
  fi
done
key=$( { cat "$0"; printf '%s' "$meta"; cat "$JAVA_HOME/release"; } | sha256sum | cut -c1-16)
images=(base java prometheus alertmanager)

publish() {
  mkdir -p "$out"
  : >"$out/images.txt.tmp"
  for i in "${images[@]}"; do
    ln -f "$cache_root/$key/$i.tar" "$out/$i.tar" 2>/dev/null || cp -f "$cache_root/$key/$i.tar" "$out/$i.tar"
    echo "$(cat "$cache_root/$key/$i.tag") $out/$i.tar" >>"$out/images.txt.tmp"
  done
  mv "$out/images.txt.tmp" "$out/images.txt"
  cat "$out/images.txt"
}

mkdir -p "$cache_root"
exec 9>"$cache_root/.lock"
flock -w 600 9
if [ -f "$cache_root/$key/done" ]; then
  publish
  exit 0
fi

work=$(mktemp -d "$cache_root/.build-XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "build-base: building images $key (Debian packages + jlink; once per content)" >&2

# --- Debian packages ----------------------------------------------------------------------------
debs=$cache_root/debs
mkdir -p "$debs"
deb_of() { # package -> path of its candidate .deb, downloaded once and checked against apt's SHA256
  local p=$1 v=${version[$1]} sha=${sha256[$1]} f
  f=$(ls "$debs/${p}_"*.deb 2>/dev/null | while read -r c; do
        [ "$(sha256sum <"$c" | cut -d' ' -f1)" = "$sha" ] && echo "$c"; done | head -1)
  if [ -z "$f" ]; then
    # apt's download sandbox user (_apt) may not write here; the checksum is checked below anyway.
    (cd "$debs" && apt-get -qq -o APT::Sandbox::User=root download "$p=$v" >/dev/null)
    f=$(ls -t "$debs/${p}_"*.deb | head -1)
    [ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$sha" ] || { echo "build-base: $f: wrong SHA256" >&2; exit 1; }
  fi
  echo "$f"
}

rootfs=$work/rootfs
mkdir -p "$rootfs/var/lib/dpkg/status.d"
for p in "${base_packages[@]}"; do
  f=$(deb_of "$p")
  if [ "$p" = base-files ]; then
    # Only what tells scanners and people which distribution the libraries come from.
    dpkg-deb --fsys-tarfile "$f" | tar -x -C "$rootfs" ./usr/lib/os-release ./etc/debian_version \
      ./usr/share/doc/base-files/copyright
    ln -s ../usr/lib/os-release "$rootfs/etc/os-release"
  else
    dpkg-deb -x "$f" "$rootfs"
  fi
  # As distroless does: one control file per package, so that scanners see what is installed.
  { dpkg-deb -f "$f"; echo "Status: install ok installed"; } >"$rootfs/var/lib/dpkg/status.d/$p"
done
# Nothing here reads manuals, translations or iconv's charset modules; the copyright files stay.
rm -rf "$rootfs"/usr/share/{man,info,locale,lintian,bug} "$rootfs"/usr/lib/x86_64-linux-gnu/gconv
find "$rootfs/usr/share/doc" -type f ! -name copyright -delete
find "$rootfs/usr/share/doc" -type d -empty -delete
# Merged /usr, as Debian 12 itself: /lib, /bin, /sbin, /lib64 are links into /usr.
for d in bin sbin lib lib64; do
  if [ -d "$rootfs/$d" ] && [ ! -L "$rootfs/$d" ]; then
    mkdir -p "$rootfs/usr/$d"
    cp -a "$rootfs/$d/." "$rootfs/usr/$d/"
    rm -rf "${rootfs:?}/$d"
  fi
  ln -sfn "usr/$d" "$rootfs/$d"
done
mkdir -p "$rootfs"/{tmp,root,etc,var/lib/peregrine,usr/local/bin}
chmod 1777 "$rootfs/tmp"
# The data volume's mount point: owned by root (the detector, which keeps no DAC_OVERRIDE) and
# writable by group peregrine (the sidekick, user and group 65532); setgid keeps the group.
chmod 2775 "$rootfs/var/lib/peregrine"
chmod 700 "$rootfs/root"
cat >"$rootfs/etc/passwd" <<EOF
root:x:0:0:root:/root:/usr/sbin/nologin
peregrine:x:$nonroot:$nonroot:peregrine:/var/lib/peregrine:/usr/sbin/nologin
nobody:x:$nobody:$nobody:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$rootfs/etc/group" <<EOF
root:x:0:
peregrine:x:$nonroot:
nogroup:x:$nobody:
EOF
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$rootfs/etc/nsswitch.conf"

# --- layers -------------------------------------------------------------------------------------
# layer DIR NAME [PATH:UID:GID]...: a reproducible tar of DIR (sorted, fixed times, owned by root
# except the PATHs given, which keep their own entry with that owner). Prints its sha256.
layer() {
  local dir=$1 name=$2; shift 2
  local tarfile=$work/layers/$name.tar excludes=() spec
  mkdir -p "$work/layers"
  for spec in "$@"; do excludes+=(--exclude="./${spec%%:*}"); done
  tar --format=gnu --sort=name --mtime="@$epoch" --numeric-owner --owner=0 --group=0 \
    "${excludes[@]}" -C "$dir" -cf "$tarfile" .
  for spec in "$@"; do
    IFS=: read -r path uid gid <<<"$spec"
    tar --format=gnu --mtime="@$epoch" --numeric-owner --owner="$uid" --group="$gid" --no-recursion \
      -C "$dir" -rf "$tarfile" "./$path"
  done
  sha256sum <"$tarfile" | cut -d' ' -f1
}

# image NAME TAG CONFIG_JSON LAYER...: writes $NAME.tar in `docker save` format. CONFIG_JSON is
# the "config" object (Env, Entrypoint, User, ...); layers are names given to `layer`.
image() {
  local name=$1 tag=$2 config=$3; shift 3
  local dir=$work/image-$name diff_ids="" layers="" l sha cfg
  mkdir -p "$dir"
  for l in "$@"; do
    sha=$(cat "$work/layers/$l.sha")
    mkdir -p "$dir/$sha"
    ln "$work/layers/$l.tar" "$dir/$sha/layer.tar"
    diff_ids+="${diff_ids:+,}\"sha256:$sha\""
    layers+="${layers:+,}\"$sha/layer.tar\""
  done
  printf '{"architecture":"amd64","os":"linux","created":"%s","config":%s,"rootfs":{"type":"layers","diff_ids":[%s]}}' \
    "$created" "$config" "$diff_ids" >"$dir/config.json"
  cfg=$(sha256sum <"$dir/config.json" | cut -d' ' -f1)
  mv "$dir/config.json" "$dir/$cfg.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":[%s]}]' "$cfg" "$tag" "$layers" >"$dir/manifest.json"
  # Entries named as `docker save` names them (no "./": Jib refuses to unpack that one).
  (cd "$dir" && tar --format=gnu --sort=name --mtime="@$epoch" --numeric-owner --owner=0 --group=0 \
    -cf "$work/out/$name.tar" -- *)
  echo "$tag" >"$work/out/$name.tag"
}
mkdir -p "$work/out" "$work/layers"

layer "$rootfs" debian var/lib/peregrine:0:$nonroot >"$work/layers/debian.sha"

java=$work/java
mkdir -p "$java/opt"
# The default CDS archive is generated for the trimmed runtime: the JVM starts ~30 % faster with it.
jlink --add-modules "$jlink_modules" --strip-debug --no-man-pages --no-header-files \
  --compress=zip-6 --generate-cds-archive --output "$java/opt/java"
# Only heaps over 32 GB would use the archive without compressed oops: 15 MB less.
rm -f "$java/opt/java/lib/server/classes_nocoops.jsa"
layer "$java" java >"$work/layers/java.sha"

prom=$work/prometheus
mkdir -p "$prom"
f=$(deb_of prometheus)
dpkg-deb --fsys-tarfile "$f" | tar -x -C "$prom" ./usr/bin/prometheus ./usr/bin/promtool \
  ./usr/share/prometheus ./usr/share/doc/prometheus/copyright
mkdir -p "$prom/etc/prometheus" "$prom/prometheus"
cat >"$prom/etc/prometheus/prometheus.yml" <<'EOF'
# Default: Prometheus scrapes itself. docker-compose.yml mounts the product's configuration here.
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: [localhost:9090]
EOF
layer "$prom" prometheus prometheus:$nobody:$nobody >"$work/layers/prometheus.sha"

am=$work/alertmanager
mkdir -p "$am"
f=$(deb_of prometheus-alertmanager)
# Debian's build reads its notification templates from /usr/share/prometheus/alertmanager.
dpkg-deb --fsys-tarfile "$f" | tar -x -C "$am" ./usr/bin/prometheus-alertmanager ./usr/bin/amtool \
  ./usr/share/prometheus/alertmanager ./usr/share/doc/prometheus-alertmanager/copyright
mkdir -p "$am/etc/alertmanager" "$am/alertmanager"
cat >"$am/etc/alertmanager/alertmanager.yml" <<'EOF'
# Default: alerts are kept (API, UI) and sent nowhere. docker-compose.yml mounts its own here.
route:
  receiver: keep
receivers:
  - name: keep
EOF
layer "$am" alertmanager alertmanager:$nobody:$nobody >"$work/layers/alertmanager.sha"

path='"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"'
label="\"Labels\":{\"dev.peregrine.base\":\"$key\"}"
image base "peregrine/base:$key" "{\"Env\":[$path,\"LANG=C.UTF-8\"],$label}" debian
image java "peregrine/java:$key" \
  "{\"Env\":[\"PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"JAVA_HOME=/opt/java\",\"LANG=C.UTF-8\"],$label}" \
  debian java
image prometheus "peregrine/prometheus:bookworm" \
  "{\"Env\":[$path],\"User\":\"$nobody:$nobody\",\"WorkingDir\":\"/prometheus\",\"Entrypoint\":[\"/usr/bin/prometheus\"],\"Cmd\":[\"--config.file=/etc/prometheus/prometheus.yml\",\"--storage.tsdb.path=/prometheus\"],\"ExposedPorts\":{\"9090/tcp\":{}},\"Volumes\":{\"/prometheus\":{}},$label}" \
  debian prometheus
image alertmanager "peregrine/alertmanager:bookworm" \
  "{\"Env\":[$path],\"User\":\"$nobody:$nobody\",\"WorkingDir\":\"/alertmanager\",\"Entrypoint\":[\"/usr/bin/prometheus-alertmanager\"],\"Cmd\":[\"--config.file=/etc/alertmanager/alertmanager.yml\",\"--storage.path=/alertmanager\"],\"ExposedPorts\":{\"9093/tcp\":{}},\"Volumes\":{\"/alertmanager\":{}},$label}" \
  debian alertmanager

rm -rf "${cache_root:?}/$key"
mv "$work/out" "$cache_root/$key"
touch "$cache_root/$key/done"
# Older builds: keep the newest three.
ls -1dt "$cache_root"/*/ 2>/dev/null | grep -v '/debs/$' | tail -n +4 | xargs -r rm -rf
publish
