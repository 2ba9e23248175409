# The one script every rule runs: it calls the job function that the rule names in `params.job`
# (lowcap.jobs.run), with the rule's named inputs, outputs, params and wildcards.
from lowcap.jobs import run

run(snakemake)
