from lowcap.figures.verdict_matrix import first_page, table_html, verdict_matrix
from lowcap.jobs import logged

with logged(snakemake.log[0]):
    out = snakemake.output
    verdict_matrix(snakemake.input.csv, out.png, out.pdf, out.csv)
    table_html(snakemake.input.rst, out.html)
    first_page(out.png, out.home, snakemake.params.studies)
