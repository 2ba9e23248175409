#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for tests: Debian's slurm-wlm + munge, no systemd.
#
#   local_cluster.sh start DIR   writes DIR/slurm.conf, starts what is not already running
#   local_cluster.sh stop DIR    stops only the daemons this script started (PIDs in DIR)
#
# Clients then need SLURM_CONF=DIR/slurm.conf. Needs root (munge runs as its own user).
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

case "$cmd" in
start)
  for bin in slurmctld slurmd munged mungekey sinfo; do
    command -v "$bin" >/dev/null || { echo "missing $bin: apt-get install -y slurm-wlm munge" >&2; exit 3; }
  done
  mkdir -p "$dir/state" "$dir/spool" "$dir/started"
  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(( $(free -m | awk '/^Mem:/ {print $7}') * 8 / 10 ))  # below what is free now

  # munge: reuse a running one; else start ours and remember its PID.
  if ! pgrep -x munged >/dev/null; then
    mkdir -p /run/munge /var/log/munge /var/lib/munge /etc/munge
    [ -f /etc/munge/munge.key ] || mungekey -c
    chown -R munge:munge /run/munge /var/log/munge /var/lib/munge /etc/munge
    runuser -u munge -- /usr/sbin/munged
    for _ in $(seq 50); do [ -f /run/munge/munged.pid ] && break; sleep 0.1; done
    cp /run/munge/munged.pid "$dir/started/munged.pid"
  fi

  cat > "$dir/slurm.conf" <<CONF
ClusterName=lowcap-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
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
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$dir/slurm.conf
  # srun inside a job step does not see SLURM_CONF (the Snakemake SLURM jobstep plugin drops
  # SLURM_* variables), so it reads the default path. Link ours there, only if that path is free.
  if [ ! -e /etc/slurm/slurm.conf ]; then
    mkdir -p /etc/slurm
    ln -s "$SLURM_CONF" /etc/slurm/slurm.conf
    echo /etc/slurm/slurm.conf > "$dir/started/conf-link"
  elif [ "$(readlink /etc/slurm/slurm.conf)" != "$SLURM_CONF" ]; then
    echo "/etc/slurm/slurm.conf exists and is not ours; not starting a test cluster over it" >&2
    exit 1
  fi
  # -i: ignore state from an earlier run in the same DIR.
  slurmctld -i -f "$SLURM_CONF"
  slurmd -f "$SLURM_CONF"
  for _ in $(seq 100); do
    if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
      echo "SLURM up: SLURM_CONF=$SLURM_CONF"; exit 0
    fi
    sleep 0.2
  done
  echo "SLURM did not come up; see $dir/slurmctld.log and $dir/slurmd.log" >&2
  exit 1
  ;;
stop)
  stop_pid_file "$dir/started/slurmd.pid"
  stop_pid_file "$dir/started/slurmctld.pid"
  stop_pid_file "$dir/started/munged.pid"
  if [ -f "$dir/started/conf-link" ]; then rm -f "$(cat "$dir/started/conf-link")" "$dir/started/conf-link"; fi
  ;;
*)
  echo "usage: local_cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
