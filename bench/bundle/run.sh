#!/usr/bin/env bash
# ip-dialog GPU bundle: measures the engine on this machine with nothing but this folder (built by
# `npm run bundle:gpu`). It uses no node, npm package or network of the machine: only bash,
# coreutils (timeout, mktemp, date), gzip, and nvidia-smi and the Vulkan driver when present.
#
#   bash run.sh --device cpu|webgpu --out RESULTS [options]
#
#   --presets "P ..."    tiny-model presets to generate and run (default: this build's, bundle.env)
#   --dtypes LIST        weight types of each, comma-separated (default fp32,fp16; SwiftShader: fp32)
#   --per-task K         prompts per task for the token check (default 1: 10 prompts)
#   --prompts N          only the first N of those (default: all)
#   --max-new-tokens N   greedy tokens per prompt in the token check (default 32)
#   --bench-per-task K   `ipdialog bench --per-task` (default 1: 50 requests, each task and pathway once)
#   --bench-requests N   `ipdialog bench --requests`: only the first N of those (default: all)
#   --bench-max-new-tokens N   `ipdialog bench --max-new-tokens`: cap on each output limit (default: none)
#   --bandwidth-gbs X    device bandwidth for bench's batch-1 bound (default: the GPU's datasheet value)
#   --bandwidth-k N      side of the bandwidth probe's fp32 matrix (default 8192: 256 MiB)
#   --time-limit S       for everything, unpacking and report included (default 480)
#   --keep-work          keep the work folder (models, logs) instead of deleting it
#
# Writes RESULTS/gpu-bench.json (everything), RESULTS/gpu-bench.txt (the table), RESULTS/run.log.
# Exit 0: every step passed and (webgpu) the device's greedy tokens equal the CPU's; 1: a step
# failed or tokens differ; 2: bad usage, or this machine cannot start the bundled Node;
# 3: the time limit cut a step (what finished is reported).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUNDLE_PRESETS=bench BUNDLE_DTYPES=fp32,fp16 # what bundle.env, written by the build, normally says
# shellcheck source=/dev/null
[ -f "$HERE/bundle.env" ] && . "$HERE/bundle.env"

DEVICE='' RESULTS='' PRESETS=$BUNDLE_PRESETS DTYPES=$BUNDLE_DTYPES PER_TASK=1 PROMPTS=1000000 MAX_NEW_TOKENS=32 BENCH_PER_TASK=1
BENCH_REQUESTS='' BENCH_MAX_NEW_TOKENS=''
BANDWIDTH_GBS='' BANDWIDTH_K=8192 TIME_LIMIT=480 KEEP_WORK=0

usage() {
  sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit "${1:-2}"
}
value() { [ $# -ge 2 ] && [ -n "$2" ] || { echo "run.sh: $1 needs a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case $1 in
    --device) value "$@"; DEVICE=$2; shift 2 ;;
    --out) value "$@"; RESULTS=$2; shift 2 ;;
    --presets) value "$@"; PRESETS=$2; shift 2 ;;
    --dtypes) value "$@"; DTYPES=$2; shift 2 ;;
    --per-task) value "$@"; PER_TASK=$2; shift 2 ;;
    --prompts) value "$@"; PROMPTS=$2; shift 2 ;;
    --max-new-tokens) value "$@"; MAX_NEW_TOKENS=$2; shift 2 ;;
    --bench-per-task) value "$@"; BENCH_PER_TASK=$2; shift 2 ;;
    --bench-requests) value "$@"; BENCH_REQUESTS=$2; shift 2 ;;
    --bench-max-new-tokens) value "$@"; BENCH_MAX_NEW_TOKENS=$2; shift 2 ;;
    --bandwidth-gbs) value "$@"; BANDWIDTH_GBS=$2; shift 2 ;;
    --bandwidth-k) value "$@"; BANDWIDTH_K=$2; shift 2 ;;
    --time-limit) value "$@"; TIME_LIMIT=$2; shift 2 ;;
    --keep-work) KEEP_WORK=1; shift ;;
    -h | --help) usage 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage ;;
  esac
done
case $DEVICE in cpu | webgpu) ;; *) echo "run.sh: --device must be cpu or webgpu" >&2; usage ;; esac
[ -n "$RESULTS" ] || { echo "run.sh: --out RESULTS is required" >&2; usage; }
for n in "$PER_TASK" "$PROMPTS" "$MAX_NEW_TOKENS" "$BENCH_PER_TASK" ${BENCH_REQUESTS:+"$BENCH_REQUESTS"} ${BENCH_MAX_NEW_TOKENS:+"$BENCH_MAX_NEW_TOKENS"} "$BANDWIDTH_K" "$TIME_LIMIT"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: \"$n\" is not a positive integer" >&2; exit 2; }
done
for tool in gzip timeout mktemp date; do
  command -v "$tool" >/dev/null || { echo "run.sh: this machine lacks $tool" >&2; exit 2; }
done

START=$(date +%s)
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
REPORT_RESERVE=20 # seconds kept for the report whatever the steps take
DEADLINE=$((START + TIME_LIMIT - REPORT_RESERVE))
mkdir -p "$RESULTS" && RESULTS=$(cd "$RESULTS" && pwd) || exit 2
LOG=$RESULTS/run.log
: >"$LOG"
rm -f "$RESULTS/gpu-bench.json" "$RESULTS/gpu-bench.txt"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ipdialog-gpu.XXXXXX") || exit 2
trap '[ "$KEEP_WORK" = 1 ] || rm -rf "$WORK"' EXIT
NODE=$WORK/bin/node
IPD=$WORK/app/dist/cli/ipdialog.mjs
TOOL=$WORK/app/dist/cli/gpu-bench.mjs

# Nothing of the machine's Node set-up may reach the bundled Node; caches live in the work folder.
unset NODE_OPTIONS NODE_PATH NODE_EXTRA_CA_CERTS NODE_REPL_EXTERNAL_MODULE NODE_COMPILE_CACHE NODE_V8_COVERAGE
unset IPDIALOG_CACHE IPDIALOG_HUB_URL HF_ENDPOINT
export XDG_CACHE_HOME=$WORK/cache HF_HUB_OFFLINE=1
if [ ! -d "${XDG_RUNTIME_DIR:-}" ]; then
  export XDG_RUNTIME_DIR=$WORK/xdg-runtime
  mkdir -p -m 700 "$XDG_RUNTIME_DIR"
fi

say() { printf '[%4ds] %s\n' $(($(date +%s) - START)) "$*"; }
usec() { local t=${EPOCHREALTIME:-$(date +%s).000000}; echo "${t/[.,]/}"; }
record() { # record STEP STATUS RC MICROSECONDS [NOTE]
  printf '{"step":"%s","status":"%s","rc":%d,"seconds":%d.%03d%s}\n' "$1" "$2" "$3" $(($4 / 1000000)) $((($4 / 1000) % 1000)) "${5:+,\"note\":\"$5\"}" >>"$WORK/steps.jsonl"
}

# step NAME CMD...: runs CMD with the time that is left, its output into run.log, and records how it went.
step() {
  local name=$1 left rc t0
  shift
  left=$((DEADLINE - $(date +%s)))
  if [ "$left" -le 0 ]; then
    record "$name" time_limit 0 0 "no time left"
    say "$name: not run (time limit)"
    return 124
  fi
  printf '\n== %s (%s s left): %s\n' "$name" "$left" "$*" >>"$LOG"
  t0=$(usec)
  timeout -k 10 "$left" "$@" >>"$LOG" 2>&1
  rc=$?
  local took=$(($(usec) - t0))
  case $rc in
    0) record "$name" ok 0 "$took" ;;
    124 | 137) record "$name" time_limit "$rc" "$took" ;;
    *) record "$name" failed "$rc" "$took" ;;
  esac
  say "$name: $([ $rc = 0 ] && echo ok || echo "exit $rc") ($((took / 1000000)) s)"
  return $rc
}

# When the bundled Node cannot run, bash writes what it knows.
fallback_report() { # STATUS MESSAGE EXIT
  {
    printf '{"format":1,"status":"%s","device":"%s","started":"%s","timeLimitS":%d,"error":"%s","steps":[' "$1" "$DEVICE" "$STARTED" "$TIME_LIMIT" "$2"
    [ -f "$WORK/steps.jsonl" ] && sed -e '$!s/$/,/' "$WORK/steps.jsonl"
    printf ']}\n'
  } >"$RESULTS/gpu-bench.json"
  printf 'ip-dialog GPU bundle: --device %s, status %s: %s\n' "$DEVICE" "$1" "$2" | tee "$RESULTS/gpu-bench.txt"
  exit "$3"
}
early_exit() { # MESSAGE EXIT, right after the failed step: the time limit wins over the message
  local rc=$?
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then fallback_report time_limit "the time limit cut the start-up" 3; fi
  fallback_report failed "$1" "$2"
}

say "ip-dialog GPU bundle --device $DEVICE, presets: $PRESETS ($DTYPES), limit ${TIME_LIMIT} s, work folder $WORK"
mkdir -p "$WORK/bin"
step unpack-node sh -c 'gzip -dc "$1" >"$2" && chmod 755 "$2"' sh "$HERE/runtime/node.gz" "$NODE" || early_exit "cannot unpack Node (see run.log)" 1
step node-starts "$NODE" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  early_exit "the bundled Node does not start on this machine: it needs glibc >= 2.28 and libstdc++ with GLIBCXX_3.4.22 (see run.log)" 2
step unpack "$NODE" "$HERE/unpack.mjs" --bundle "$HERE" --prefix "$WORK" || early_exit "unpacking the bundle failed (see run.log)" 1

# The NVIDIA driver's ICD file may lie outside the Vulkan loader's default folders (the lent
# machines keep it under /usr/local/nvidia): point at it, unless the caller chose a driver.
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && ! ls /etc/vulkan/icd.d/*.json /usr/share/vulkan/icd.d/*.json /usr/local/share/vulkan/icd.d/*.json >/dev/null 2>&1; then
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/icd.d/nvidia_icd.json; do
    if [ -f "$f" ]; then
      export VK_DRIVER_FILES=$f VK_ICD_FILENAMES=$f
      say "Vulkan driver file: $f"
      break
    fi
  done
fi
machine_libs=${LD_LIBRARY_PATH:-}
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -d "$d" ] && machine_libs=${machine_libs:+$machine_libs:}$d; done
# The NVIDIA Vulkan driver (libGLX_nvidia) links glvnd's dispatcher and X11 client libraries. Of the
# bundle's copies (driver-deps/), only those this machine lacks go on the library path.
known=$( (command -v ldconfig >/dev/null && ldconfig -p || /sbin/ldconfig -p) 2>/dev/null)
mkdir -p "$WORK/fallback-libs"
lent='' tab=$'\t'
for lib in "$WORK"/driver-deps/usr/lib/x86_64-linux-gnu/*.so.[0-9]; do
  [ -e "$lib" ] || continue
  name=$(basename "$lib")
  if ! printf '%s\n' "$known" | grep -qF "$tab$name (libc6,x86-64)"; then
    ln -s "$lib" "$WORK/fallback-libs/$name"
    lent="$lent $name"
  fi
done
record driver-libraries ok 0 0 "bundle copies used:${lent:- none}"
# The bundle's own Vulkan loader first, never the machine's.
export LD_LIBRARY_PATH=$WORK/vulkan/usr/lib/x86_64-linux-gnu:$WORK/fallback-libs${machine_libs:+:$machine_libs}

run_device_steps=1
if ! step probe "$NODE" "$TOOL" probe --device "$DEVICE" --out "$WORK/probe.json"; then
  [ "$DEVICE" = webgpu ] && run_device_steps=0 && say "no WebGPU adapter: the device runs are skipped (see gpu-bench.json: probe.webgpu)"
fi
[ "$run_device_steps" = 1 ] && step "bandwidth:$DEVICE" "$NODE" "$TOOL" bandwidth --device "$DEVICE" --k "$BANDWIDTH_K" --out "$WORK/bandwidth.json"
[ -n "$BANDWIDTH_GBS" ] || BANDWIDTH_GBS=$("$NODE" "$TOOL" bandwidth-gbs --probe "$WORK/probe.json" 2>>"$LOG")

step prompts "$NODE" "$IPD" prompts --pathway direct-response --per-task "$PER_TASK" --out "$WORK/prompts.jsonl" &&
  step generate-input "$NODE" "$TOOL" generate-input --prompts "$WORK/prompts.jsonl" --limit "$PROMPTS" --out "$WORK/input.jsonl"

# generate_tokens PRESET DTYPE DEVICE: greedy tokens of the check prompts with the bundled CLI.
generate_tokens() {
  mkdir -p "$WORK/tokens"
  step "generate:$1-$2:$3" "$NODE" "$IPD" generate --model "$WORK/models/$1" --dtype "$2" --device "$3" \
    --input "$WORK/input.jsonl" --out "$WORK/tokens/$1-$2-$3.jsonl" --max-new-tokens "$MAX_NEW_TOKENS"
}

# ------------------------------------------------------------------------------------------------
# THE COMPARISON: our engine against transformers.js on the same model, device and prompts, by the
# bundled CLI's `ipdialog bench` (the command users run; README "Verify on your machine"): whole-
# process and generate seconds, prompt and decode tokens/s, peak memory, batch-1 decode against the
# bandwidth bound, greedy tokens per request (exit 1 when they differ). A bundle built before that
# command existed records the step as skipped; the token check (generate_tokens on the device and
# on the CPU) runs anyway.
# ------------------------------------------------------------------------------------------------
run_comparison() { # MODEL_DIR DTYPE DEVICE OUT_JSON
  local name extra=()
  name="bench:$(basename "$1")-$2"
  # (commander answers --help of an unknown command with the main help, exit 0: look for its usage line)
  if ! "$NODE" "$IPD" bench --help 2>/dev/null | grep -q '^Usage: ipdialog bench'; then
    record "$name" skipped 0 0 "ipdialog bench is not in this bundle (issue 19)"
    return 0
  fi
  [ -n "$BANDWIDTH_GBS" ] && extra+=(--bandwidth-gbs "$BANDWIDTH_GBS")
  [ -n "$BENCH_REQUESTS" ] && extra+=(--requests "$BENCH_REQUESTS")
  [ -n "$BENCH_MAX_NEW_TOKENS" ] && extra+=(--max-new-tokens "$BENCH_MAX_NEW_TOKENS")
  mkdir -p "$(dirname "$4")"
  step "$name" "$NODE" "$IPD" bench --model "$1" --dtype "$2" --device "$3" --per-task "$BENCH_PER_TASK" --out "$4" ${extra[@]+"${extra[@]}"}
}

if [ "$run_device_steps" = 1 ] && [ -f "$WORK/input.jsonl" ]; then
  for preset in $PRESETS; do
    step "tiny-model:$preset" "$NODE" "$IPD" tiny-model --preset "$preset" --dtype "$DTYPES" --out "$WORK/models/$preset" || continue
    step "model-info:$preset" "$NODE" "$TOOL" model-info --dir "$WORK/models/$preset" --out "$WORK/model-info/$preset.json"
    for dtype in ${DTYPES//,/ }; do
      generate_tokens "$preset" "$dtype" "$DEVICE"
      run_comparison "$WORK/models/$preset" "$dtype" "$DEVICE" "$WORK/bench/$preset-$dtype.json"
    done
  done
  # The CPU's tokens for the device's to match, last: a time limit cuts these before any GPU number.
  if [ "$DEVICE" != cpu ]; then
    for preset in $PRESETS; do
      [ -d "$WORK/models/$preset" ] || continue
      for dtype in ${DTYPES//,/ }; do generate_tokens "$preset" "$dtype" cpu; done
    done
  fi
fi

left=$((START + TIME_LIMIT - $(date +%s)))
[ "$left" -gt 0 ] || fallback_report time_limit "no time left for the report" 3
timeout -k 5 "$left" "$NODE" "$TOOL" report --bundle "$HERE" --work "$WORK" --results "$RESULTS" --device "$DEVICE" \
  --presets "$PRESETS" --dtypes "$DTYPES" --per-task "$PER_TASK" --max-new-tokens "$MAX_NEW_TOKENS" \
  --time-limit "$TIME_LIMIT" --started "$STARTED" --seconds $(($(date +%s) - START)) 2>>"$LOG"
rc=$?
case $rc in
  0 | 1 | 3) exit $rc ;;
  *) fallback_report failed "the report step failed (exit $rc; see run.log)" 1 ;;
esac
