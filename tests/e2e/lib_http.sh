# Real HTTP servers for the mirror tests, on 127.0.0.1 only: nginx serving a folder, and
# the fault-injecting proxy (fault_proxy.py) in front of it. Source after lib.sh; each
# server is stopped by the cleanup hook.
# shellcheck shell=bash

_servers=()
_lib_http_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
_stop_servers() {
  local pid
  for pid in "${_servers[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${_servers[@]}"; do wait "$pid" 2>/dev/null || true; done
}
_cleanup_hooks+=(_stop_servers)

# free_port: a TCP port nothing listens on now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_port PORT: until something accepts connections there (5 s at most).
wait_port() {
  local i
  for i in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on 127.0.0.1:$1" >&2
  return 1
}

# start_nginx ROOT [DIRECTIVES]: serves ROOT on a free port (DIRECTIVES go in its
# location, e.g. "autoindex on;"); sets $nginx_port, $nginx_url and $nginx_dir.
start_nginx() {
  local root=$1 directives=${2:-} dir
  command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || { echo "nginx is not installed (apt-get install nginx-light)" >&2; return 1; }
  dir=$(mktemp -d "$tmp/nginx.XXXX")
  nginx_port=$(free_port)
  local user_line=""
  [[ $(id -u) -eq 0 ]] && user_line="user root;"
  cat >"$dir/nginx.conf" <<CONF
$user_line
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 256; }
http {
  access_log $dir/access.log;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  types { application/json json; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$nginx_port;
    root $root;
    location / { $directives }
  }
}
CONF
  "$(command -v nginx || echo /usr/sbin/nginx)" -p "$dir" -c "$dir/nginx.conf" &
  _servers+=($!)
  nginx_dir=$dir
  nginx_url="http://127.0.0.1:$nginx_port/"
  wait_port "$nginx_port"
}

# nginx_requests: how many requests the last started nginx has logged.
nginx_requests() { wc -l <"$nginx_dir/access.log"; }

# start_proxy UPSTREAM_PORT RULES: the fault proxy in front of it; sets $proxy_url.
# RULES is fault_proxy.py's --rules text (see that file).
start_proxy() {
  local port
  port=$(free_port)
  python3 "$_lib_http_dir/fault_proxy.py" --listen "$port" --upstream "$1" --rules "$2" \
    --log "$tmp/proxy-$port.log" &
  _servers+=($!)
  proxy_url="http://127.0.0.1:$port/"
  proxy_log="$tmp/proxy-$port.log"
  wait_port "$port"
}

# mirror_test_args EDUCTL MAKE_FIXTURES [SOURCE_DIR]: the mirror scripts' arguments as $E and
# $MF (absolute), a UTF-8 locale, and $tmp as the working folder.
mirror_test_args() {
  if [[ $# -lt 2 ]]; then
    echo "usage: $0 EDUCTL MAKE_FIXTURES [SOURCE_DIR]" >&2
    exit 2
  fi
  E=$(realpath "$1")
  MF=$(realpath "$2")
  export LC_ALL=C.UTF-8
  cd "$tmp"
}
