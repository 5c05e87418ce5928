/**
 * SQL condition, on certificates_generatedcertificate aliased `c`, of a certificate that still holds legacy PDF
 * links: the producer selects by it and the purger re-checks it inside its compare-and-set. Mirrors the domain's
 * hasPdfLinks.
 */
export const PDF_LINKS_CONDITION = "(c.download_url <> '' OR c.download_uuid <> '')";
