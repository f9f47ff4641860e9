/* fhir — a quote as an HL7 FHIR R4 Good Faith Estimate packet in the shape
 * of the Da Vinci Patient Cost Transparency guide (self-pay): a document
 * Bundle whose first entry is a Composition (LOINC 111480-0) listing one GFE
 * Claim (use = predetermination) per provider or facility with lines in the
 * estimate, with the Patient, the clinic and the other providers
 * (Organization, Practitioner) and a self-pay Coverage (docs/pdf.md,
 * "The FHIR packet").
 *
 * Made from the quote JSON alone (as the HTML estimate), so an issued quote
 * is exported from what the register keeps.  No clock is read: the Bundle's
 * timestamp is the issue date, and resource ids are derived from the quote
 * number, so the same quote gives the same bytes.
 *
 * A library: it never prints and never exits. */
#ifndef RQ_FHIR_H
#define RQ_FHIR_H

#include "diag.h"

struct fhir_opts {
    const char *quote_number;   /* NULL: a draft (Composition.status "preliminary") */
    const char *supersedes;     /* the number this quote replaces (relatesTo), or NULL */
};

/* The packet as JSON text (malloc'd, the caller frees it), or NULL with a
 * diagnostic (not a quote JSON document, out of memory).  Arguments are
 * borrowed for the call. */
char *fhir_gfe_packet(const char *quote_json, const struct fhir_opts *o, struct diag_list *dl);

#endif
