#!/usr/bin/env bash
# Run benchmarks/gpu_suite.py on a lent GPU machine that cannot reach a package index
# (docs/performance.md, "How to reproduce").
#
#   bash benchmarks/gpu_session.sh prepare   # here, with pip: wheels of what that machine lacks
#   bash benchmarks/gpu_session.sh run OUT   # there: install them and i2i, run the suite into OUT
#
# The machine's image has Python 3.12 with torch, accelerate, timm, typer, tifffile, xarray and
# most of the scientific stack; the wheels below are the rest of i2i's dependencies (without
# imagecodecs and imageio-ffmpeg, which the suite does not use: 70 MB together). "prepare"
# writes them to .whl/ (ignored by git) for the device tool's `carry`.
set -euo pipefail
cd "$(dirname "$0")/.."

WHEELS=(
    pydantic==2.13.5 pydantic-core==2.46.5 annotated-types==0.8.0 typing-inspection==0.4.5
    pydantic-extra-types==2.11.1 platformdirs==4.14.9
    zarr==3.4.2 numcodecs==0.17.1 donfig==0.8.1.post1 google-crc32c==1.9.0
    bioio==3.6.0 bioio-base==3.5.0 bioio-ome-tiff==1.4.0 bioio-ome-zarr==3.8.1
    bioio-tifffile==1.3.1 bioio-imageio==1.3.0 ome-types==0.7.0 xsdata==26.10
    xmlschema==4.3.2 elementpath==5.1.4 semver==3.1.2 lazy-importer==0.1.0 msgspec==0.23.0
    pint==0.26.2 flexcache==0.3 flexparser==0.4
    dask==2026.8.0 distributed==2026.8.0 partd==1.4.2 locket==1.0.0 zict==3.0.0 tblib==3.2.2
    tornado==6.6.1 importlib-metadata==10.2.0
    s3fs==2026.9.0 aiobotocore==3.10.0 aioitertools==0.13.0 botocore==1.43.117 jmespath==1.1.0
    kerchunk==0.2.10 ujson==6.1.0
)

case "${1:-}" in
prepare)
    grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >>.git/info/exclude
    platforms=()
    for tag in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_24_x86_64 \
        manylinux_2_17_x86_64 manylinux2014_x86_64 manylinux1_x86_64 manylinux_2_5_x86_64; do
        platforms+=(--platform "$tag")
    done
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
        --implementation cp "${platforms[@]}" -d .whl "${WHEELS[@]}"
    du -sh .whl
    ;;
run)
    out="${2:?give the output folder, e.g. \$OUT}"
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1
    python3 -m pip install -q --no-index --no-deps --no-build-isolation --no-cache-dir \
        --target /tmp/site .
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"
    cd /tmp
    python3 "$OLDPWD/benchmarks/gpu_suite.py" --json "$out/gpu_suite.json" 2>&1 |
        tee "$out/gpu_suite.log"
    ;;
*)
    echo "usage: bash benchmarks/gpu_session.sh prepare | run OUT" >&2
    exit 2
    ;;
esac
