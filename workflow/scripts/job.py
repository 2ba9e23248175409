# The one script every rule runs: it calls the job function that the rule names in `params.job`
# (lowcap.jobs.run), with the rule's named inputs, outputs, params and wildcards; in a fork of the
# run's warm process when there is one (lowcap.jobs.warm), else here.
from lowcap.jobs import run
from lowcap.jobs.warm import run as run_warm

run_warm(snakemake, run)
