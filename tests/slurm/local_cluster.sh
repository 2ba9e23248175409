#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for tests: Debian's slurm-wlm + munge, no systemd.
#
#   local_cluster.sh start DIR   starts munged, slurmctld and slurmd, all private to DIR
#   local_cluster.sh stop DIR    stops the daemons that `start DIR` started (PIDs in DIR/started)
#
# Clients then need PATH=DIR/bin:$PATH: DIR/bin holds srun, sbatch, squeue, ... wrappers that set
# SLURM_CONF=DIR/slurm.conf. (Setting SLURM_CONF alone is not enough: the Snakemake SLURM jobstep
# plugin drops SLURM_* variables before it calls srun inside a job, but it keeps PATH.)
#
# Nothing is shared with another cluster on the same machine, so several can run at once (two
# test runs side by side, say): each has its own munged on its own socket and key, its own free
# TCP ports, cluster and node name, state and spool directories, and no file outside DIR
# (/etc/slurm and /run/munge are left alone). Needs root. Accounting is off
# (accounting_storage/none): no slurmdbd, and no accounts.
set -euo pipefail

cmd=${1:?usage: local_cluster.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: local_cluster.sh start|stop DIR}")

stop_pid_file() {  # kill the daemon whose PID this script recorded, and wait for it to go
  local file=$1
  [ -f "$file" ] || return 0
  local pid
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

show_logs() {  # the daemons' own words, for whoever reads the failure
  for log in "$dir/munge/munged.log" "$dir/slurmctld.log" "$dir/slurmd.log"; do
    [ -f "$log" ] && { echo "--- last lines of $log" >&2; tail -n 15 "$log" >&2; }
  done
  return 0
}

case "$cmd" in
start)
  for bin in slurmctld slurmd munged mungekey sinfo python3; do
    command -v "$bin" >/dev/null || { echo "missing $bin: apt-get install -y slurm-wlm munge" >&2; exit 3; }
  done
  if [ -e "$dir/started" ] && ls "$dir/started"/*.pid >/dev/null 2>&1; then
    echo "$dir already has a running test cluster (PID files in $dir/started); stop it first" >&2
    exit 1
  fi
  mkdir -p "$dir/state" "$dir/spool" "$dir/started" "$dir/munge" "$dir/bin"
  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(( $(free -m | awk '/^Mem:/ {print $7}') * 8 / 10 ))  # below what is free now
  id=$(printf '%s' "$dir" | md5sum | cut -c1-8)  # names unique to DIR
  read -r ctld_port slurmd_port < <(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
PY
)

  # munge: our own daemon, key and socket. munged --force: it runs as root here, and DIR's
  # parents (pytest's 0700 tmp folder) are not world-searchable.
  chmod 755 "$dir/munge"
  mungekey -c -k "$dir/munge/munge.key"
  munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/started/munged.pid" --seed-file="$dir/munge/munged.seed" \
    --log-file="$dir/munge/munged.log" || { echo "munged did not start" >&2; show_logs; exit 1; }
  for _ in $(seq 50); do [ -S "$dir/munge/munge.socket" ] && break; sleep 0.1; done

  cat > "$dir/slurm.conf" <<CONF
ClusterName=lowcap-test-$id
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
SlurmctldPidFile=$dir/started/slurmctld.pid
SlurmdPidFile=$dir/started/slurmd.pid
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
MinJobAge=300
NodeName=lowcap-$id NodeHostname=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=lowcap-$id Default=YES MaxTime=INFINITE State=UP
CONF
  for client in srun sbatch squeue sacct scancel sinfo scontrol sacctmgr sshare sstat salloc; do
    real=$(command -v "$client") || continue
    printf '#!/bin/sh\nSLURM_CONF=%s exec %s "$@"\n' "$dir/slurm.conf" "$real" > "$dir/bin/$client"
    chmod +x "$dir/bin/$client"
  done
  export SLURM_CONF=$dir/slurm.conf
  # -i: ignore state from an earlier run in the same DIR.
  slurmctld -i -f "$SLURM_CONF" || { echo "slurmctld did not start" >&2; show_logs; exit 1; }
  slurmd -f "$SLURM_CONF" -N "lowcap-$id" || { echo "slurmd did not start" >&2; show_logs; exit 1; }
  for _ in $(seq 100); do
    if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
      echo "SLURM up: cluster lowcap-test-$id, ports $ctld_port/$slurmd_port; clients: PATH=$dir/bin:\$PATH"
      exit 0
    fi
    sleep 0.2
  done
  echo "SLURM did not come up (sinfo: $(sinfo -h -o '%T %E' 2>&1 | head -3))" >&2
  show_logs
  exit 1
  ;;
stop)
  stop_pid_file "$dir/started/slurmd.pid"
  stop_pid_file "$dir/started/slurmctld.pid"
  stop_pid_file "$dir/started/munged.pid"
  rm -f "$dir/munge/munge.socket" "$dir/munge/munge.socket.lock"
  ;;
*)
  echo "usage: local_cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
