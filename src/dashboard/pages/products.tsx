import type { Context } from "hono";
import { Hono } from "hono";
import { PaginationQuerySchema } from "../../schemas/common";
import { deleteProduct, getProduct, listProducts, productStats, productThumbnails } from "../../services/products";
import { PostForm } from "../components/form";
import { TableWrap } from "../components/table-wrap";
import { Time } from "../components/time";
import { csrfToken, dashContext } from "../context";
import { setFlash } from "../cookies";
import type { DashEnv } from "../env";
import { renderPage } from "../render";
import { errorPage } from "./errors";
import { allowed } from "./guard";

const PAGE_SIZE = 50;

const productPath = (externalId: string) => `/dashboard/products/${encodeURIComponent(externalId)}`;

async function listPage(c: Context<DashEnv>) {
  const ok = allowed(c, "products");
  if (ok instanceof Response) return ok;
  const query = PaginationQuerySchema.safeParse({ limit: PAGE_SIZE, cursor: c.req.query("cursor") || undefined });
  if (!query.success) return errorPage(c, 400, "Bad page link", "This page link is not valid. Start from the first page.");
  const page = await listProducts(dashContext(c), ok.dataAccountId, query.data);
  return renderPage(
    c,
    "Products",
    <>
      <p class="muted">
        Products registered through the API (<code>POST /tryon/v1/products</code>) and products sent inline with a try-on, newest first.
      </p>
      {page.items.length === 0 ? (
        <p>No products yet.</p>
      ) : (
        <TableWrap label="Products">
          <table>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">Title</th>
                <th scope="col">Images</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((p) => (
                <tr>
                  <td class="wrap">
                    <a href={productPath(p.externalId)}>
                      <code>{p.externalId}</code>
                    </a>
                  </td>
                  <td class="wrap">{p.title ?? <span class="muted">—</span>}</td>
                  <td class="num">{p.images.length}</td>
                  <td>
                    <Time ms={p.lastUsedAt} empty="Never" />
                  </td>
                  <td>
                    <Time ms={p.expiresAt} empty="Never" />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <nav class="pager" aria-label="Pages">
        {c.req.query("cursor") ? <a href="/dashboard/products">Newest products</a> : null}
        {page.nextCursor ? <a href={`/dashboard/products?cursor=${encodeURIComponent(page.nextCursor)}`}>Older products</a> : null}
      </nav>
    </>,
  );
}

async function detailPage(c: Context<DashEnv>) {
  const ok = allowed(c, "products");
  if (ok instanceof Response) return ok;
  const ctx = dashContext(c);
  const product = await getProduct(ctx, ok.dataAccountId, c.req.param("externalId") ?? "");
  const [thumbs, stats] = await Promise.all([productThumbnails(ctx, product), productStats(ctx, ok.dataAccountId, product.externalId, {})]);
  const generations = `/dashboard/generations?${new URLSearchParams({ productExternalId: product.externalId })}`;
  return renderPage(
    c,
    product.title ?? product.externalId,
    <>
      <dl class="facts">
        <dt>External id</dt>
        <dd class="wrap">
          <code>{product.externalId}</code>
        </dd>
        <dt>Kind</dt>
        <dd>{product.kind}</dd>
        {product.description ? (
          <>
            <dt>Description</dt>
            <dd class="wrap">{product.description}</dd>
          </>
        ) : null}
        <dt>Created</dt>
        <dd>
          <Time ms={product.createdAt} />
        </dd>
        <dt>Last used</dt>
        <dd>
          <Time ms={product.lastUsedAt} empty="Never" />
        </dd>
        <dt>Expires</dt>
        <dd>
          <Time ms={product.expiresAt} empty="Never (kept until deleted)" />
        </dd>
      </dl>
      <h2>Generations</h2>
      <dl class="stats">
        <div class="stat">
          <dt>Total</dt>
          <dd data-testid="stat-total">{stats.totalGenerations}</dd>
        </div>
        <div class="stat">
          <dt>Completed</dt>
          <dd data-testid="stat-completed">{stats.completedGenerations}</dd>
        </div>
        <div class="stat">
          <dt>Failed</dt>
          <dd data-testid="stat-failed">{stats.failedGenerations}</dd>
        </div>
        <div class="stat">
          <dt>Average time</dt>
          <dd data-testid="stat-avg">{stats.completedGenerations > 0 ? `${(stats.avgGenerationTimeMs / 1000).toFixed(1)} s` : "—"}</dd>
        </div>
      </dl>
      <p>
        <a href={generations}>This product's generations</a>
      </p>
      <h2>Images</h2>
      <ul class="thumbs">
        {thumbs.map((t, i) => (
          <li>
            <figure>
              {t.url ? <img src={t.url} alt={`${product.title ?? product.externalId}, view ${i + 1}`} loading="lazy" /> : <p class="muted">Not stored</p>}
              <figcaption class="wrap">{t.sourceUrl.startsWith("upload://") ? "Uploaded" : <code>{t.sourceUrl}</code>}</figcaption>
            </figure>
          </li>
        ))}
      </ul>
      <h2>Danger zone</h2>
      <PostForm
        action={`${productPath(product.externalId)}/delete`}
        csrf={csrfToken(c)}
        confirm="Delete this product? Try-ons naming it will be refused; past generations keep their copy."
        label="Delete the product"
      >
        <button type="submit" class="button-danger">
          Delete product
        </button>
      </PostForm>
      <p>
        <a href="/dashboard/products">All products</a>
      </p>
    </>,
  );
}

export const productPages = new Hono<DashEnv>()
  .get("/products", listPage)
  .get("/products/:externalId", detailPage)
  .post("/products/:externalId/delete", async (c) => {
    const ok = allowed(c, "products");
    if (ok instanceof Response) return ok;
    const externalId = c.req.param("externalId");
    await deleteProduct(dashContext(c), ok.dataAccountId, externalId);
    setFlash(c, { kind: "success", text: `The product ${externalId} is deleted.` });
    return c.redirect("/dashboard/products", 303);
  });
