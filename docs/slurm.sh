#!/bin/bash
# Grade a class on a Slurm cluster with Dask: one job starts the scheduler, the workers and the batch.
#   sbatch docs/slurm.sh
# Assumes the project is installed (pip install -e ".[cluster]") in a virtual environment on a file
# system every node shares, with the class and the output folder on it too.
#SBATCH --job-name=kata-grading
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task=16
#SBATCH --time=01:00:00
set -euo pipefail
KATA="${KATA:-$HOME/kata}"
CLASS="${CLASS:-$HOME/class}"
OUT="${OUT:-$HOME/class-out}"
source "$KATA/.venv/bin/activate"
cd "$KATA"
scheduler="tcp://$(hostname):8786"
dask scheduler --port 8786 --dashboard-address :8787 &
sleep 5
# One worker process per core, one thread each: every job grades one submission in its own sandbox.
# Dask's statistical profiler samples the deep stacks of pytest and Hypothesis: it is not wanted here.
export DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False
srun dask worker "$scheduler" --nworkers "$SLURM_CPUS_PER_TASK" --nthreads 1 --memory-limit 0 &
sleep 10
# Safe to run again (a new job) after a failure: learners already graded are skipped.
python -m grader batch "$CLASS" --out "$OUT" --scheduler "$scheduler"
