"""The Pydantic models the API speaks, by direction: `fields` (the shapes both sides share),
`inputs` (what clients and `data/` files send), `reads` (what the API answers) and
`candidates` (what the extractor proposes). Rows become models in `app.mapping`."""
