#!/usr/bin/env bash
# The files /docs and /redoc run on, fetched from npm at the versions pinned below into
# app/static/NAME-VERSION/ (the version is in every URL, so browsers keep them a year), each
# beside its licence. To update: change a version here, run this, read the diff, commit.
#   scripts/fetch_docs_assets.sh           replaces app/static/swagger-ui-dist-*/ and redoc-*/
#   scripts/fetch_docs_assets.sh --check   fails if the committed files are not npm's
# Needs npm (Node.js 18 or later); npm checks each tarball against the registry's integrity.
set -euo pipefail

# Swagger UI, Apache-2.0: the bundle, its stylesheet and favicon.
SWAGGER_UI_DIST=5.35.0
# ReDoc, MIT: 2.x, the major version FastAPI's own get_redoc_html loads (3.x collects usage
# data by default and is started differently).
REDOC=2.5.4

cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

npm pack --silent --pack-destination "$work" \
    "swagger-ui-dist@$SWAGGER_UI_DIST" "redoc@$REDOC" >/dev/null
mkdir "$work/swagger-ui-dist" "$work/redoc"
tar -xzf "$work/swagger-ui-dist-$SWAGGER_UI_DIST.tgz" -C "$work/swagger-ui-dist"
tar -xzf "$work/redoc-$REDOC.tgz" -C "$work/redoc"

made="$work/static"
swagger="$made/swagger-ui-dist-$SWAGGER_UI_DIST"
redoc="$made/redoc-$REDOC"
mkdir -p "$swagger" "$redoc"
# The *.LICENSE.txt files name the licences of what each bundle contains.
for file in swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css \
    favicon-32x32.png LICENSE NOTICE; do
    cp "$work/swagger-ui-dist/package/$file" "$swagger/"
done
for file in bundles/redoc.standalone.js bundles/redoc.standalone.js.LICENSE.txt LICENSE; do
    cp "$work/redoc/package/$file" "$redoc/"
done

if [[ "${1:-}" == "--check" ]]; then
    for dir in "$swagger" "$redoc"; do
        diff -r "$dir" "app/static/$(basename "$dir")"
    done
    committed=$(cd app/static && ls -d swagger-ui-dist-* redoc-* | sort)
    expected=$(printf '%s\n' "$(basename "$redoc")" "$(basename "$swagger")" | sort)
    [[ "$committed" == "$expected" ]] || {
        echo "app/static holds $committed, the pins say $expected" >&2
        exit 1
    }
    echo "app/static holds swagger-ui-dist $SWAGGER_UI_DIST and redoc $REDOC, as npm serves them"
    exit 0
fi

rm -rf app/static/swagger-ui-dist-* app/static/redoc-*
cp -r "$swagger" "$redoc" app/static/
echo "app/static: swagger-ui-dist $SWAGGER_UI_DIST and redoc $REDOC; update the README's versions"
