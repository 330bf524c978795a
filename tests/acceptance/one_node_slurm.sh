#!/usr/bin/env bash
# A throw-away one-node Slurm cluster for the cluster-script test (root only, like CI).
#   one_node_slurm.sh up DIR     munged (own socket, as user munge), slurmctld and slurmd on
#                                ports 16817/16818, state under DIR; prints the SLURM_CONF path
#   one_node_slurm.sh down DIR   stops all three
set -euo pipefail
verb=$1 d=$2
if [ "$verb" = down ]; then
  pids=()
  for pidfile in "$d/slurmd.pid" "$d/slurmctld.pid" "$d/munge/munged.pid"; do
    [ -f "$pidfile" ] && pids+=("$(cat "$pidfile")")
  done
  [ ${#pids[@]} -eq 0 ] && exit 0
  kill "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "${pids[@]}" 2>/dev/null || exit 0
    sleep 0.2
  done
  kill -9 "${pids[@]}" 2>/dev/null || true
  exit 0
fi
mkdir -p "$d/munge" "$d/state" "$d/spool" "$d/log"
chown munge:munge "$d/munge"
chmod 700 "$d/munge"
mungekey --create --keyfile="$d/munge/munge.key" --force >/dev/null 2>&1
chown munge:munge "$d/munge/munge.key"
chmod 400 "$d/munge/munge.key"
runuser -u munge -- /usr/sbin/munged --socket="$d/munge/munge.sock" --key-file="$d/munge/munge.key" \
  --pid-file="$d/munge/munged.pid" --log-file="$d/munge/munged.log" --seed-file="$d/munge/munged.seed" --force
host=$(hostname -s)
cat > "$d/slurm.conf" <<CONF
ClusterName=wirelabtest
SlurmctldHost=$host
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
AuthInfo=socket=$d/munge/munge.sock
CredType=cred/munge
SlurmUser=root
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$d/slurm.conf"
/usr/sbin/slurmctld -f "$d/slurm.conf"
/usr/sbin/slurmd -f "$d/slurm.conf"
for _ in $(seq 1 100); do
  sinfo -h -o %T 2>/dev/null | grep -qE '^idle' && { echo "$d/slurm.conf"; exit 0; }
  sleep 0.2
done
echo "slurm did not come up; see $d/log" >&2
exit 1
