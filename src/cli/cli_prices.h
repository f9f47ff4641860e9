/* cli_prices — `regenquote prices VERB`: finance tools for the price tables.
 *
 *   prices diff OLD NEW          what changed between two catalogs, and what to check
 *   prices export --csv          the catalog's items[] as CSV
 *   prices import FILE.csv       edited items back into catalog.json
 *   prices show [--on DATE]      the prices in force on a date
 *
 * A thin front end over price_diff, catalog_csv and price_table: it parses
 * options, prints and picks the exit status (0 success — for diff whether
 * or not there are differences —, 1 bad input or data, 2 usage). */
#ifndef RQ_CLI_PRICES_H
#define RQ_CLI_PRICES_H

/* argv[0] is "prices"; argv[1] the verb.  Returns the exit status. */
int cli_prices(int argc, char **argv);

#endif
