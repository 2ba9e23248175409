from lowcap import jobs

with jobs.logged(snakemake.log[0]):
    out = snakemake.output
    jobs.robustness_figures(snakemake.input[0], snakemake.wildcards.pair, snakemake.params.occlusion_size,
                            out.noise_png, out.noise_pdf, out.noise_csv,
                            out.occlusion_png, out.occlusion_pdf, out.occlusion_csv)
