/*
 * 邻里 H5 simulator: 信息公示 — my estate's disclosure board, its sections, a post with its
 * correction trail (every earlier version readable, a withdrawal with its reason), the
 * must-read badge and marking a post read.
 *
 * Loaded before app.js; app.js hands each entry of window.LINLI_PAGES its kit (h, api, go…).
 * Data from the server is put in as text; a post's body (HTML the server sanitised) is
 * rebuilt element by element from a short list of formatting tags, as the mini-program's
 * <rich-text> would show it: no markup is ever written as HTML.
 */
(() => {
  "use strict";

  const yuan = (fen) => {
    const n = Math.abs(Number(fen) || 0);
    const whole = Math.floor(n / 100).toLocaleString("en-US");
    return `${fen < 0 ? "-" : ""}¥${whole}.${String(n % 100).padStart(2, "0")}`;
  };

  /** Formatting a post body may keep (the server's sanitiser allows no more). */
  const RICH_TAGS = new Set([
    "P", "BR", "HR", "STRONG", "B", "EM", "I", "U", "S", "SUB", "SUP", "H3", "H4",
    "BLOCKQUOTE", "UL", "OL", "LI", "TABLE", "THEAD", "TBODY", "TR", "TH", "TD", "A",
  ]);

  /** What the board calls the fields of generated posts' data (backend/board/public.py). */
  const DATA_LABELS = {
    item: "项目", basis: "计费方式", unit_price: "单价", unit: "计价单位", pricing_form: "定价形式",
    basis_document: "定价依据", effective_from: "生效日期", effective_until: "截止日期",
    result: "结果", score: "得分", stars: "信用星级", year: "年度", month: "月份",
  };

  (window.LINLI_PAGES = window.LINLI_PAGES || []).push((kit) => {
    const { h, api, go, setTitle, toast, fail, skeletons, errorState, fmtTime } = kit;

    /** The body's HTML as DOM nodes of the allowed tags only, text always as text. */
    function richText(html) {
      const parsed = new DOMParser().parseFromString(html || "", "text/html");
      const copy = (node) => {
        if (node.nodeType === Node.TEXT_NODE) return document.createTextNode(node.textContent);
        if (node.nodeType !== Node.ELEMENT_NODE) return null;
        const children = [...node.childNodes].map(copy).filter(Boolean);
        if (!RICH_TAGS.has(node.tagName)) return children.length ? h("span", null, children) : null;
        const props = {};
        const href = node.getAttribute("href") || "";
        if (node.tagName === "A" && /^(https?:|tel:|mailto:)/i.test(href)) {
          Object.assign(props, { href, target: "_blank", rel: "noopener noreferrer" });
        }
        for (const name of ["colspan", "rowspan"]) {
          const value = node.getAttribute(name);
          if (value && /^\d{1,2}$/.test(value)) props[name] = value;
        }
        return h(node.tagName.toLowerCase(), props, children);
      };
      return h("div", { class: "board-body", testid: "board-body" }, [...parsed.body.childNodes].map(copy));
    }

    function statementTable(statement) {
      const money = (fen) => (fen ? yuan(fen) : "");
      return h(
        "div",
        { class: "board-table-wrap" },
        h(
          "table",
          { class: "board-statement", testid: "board-statement" },
          statement.title ? h("caption", null, statement.title) : null,
          h("thead", null, h("tr", null, ["项目", "收入", "支出", "结余"].map((t) => h("th", null, t)))),
          h(
            "tbody",
            null,
            h("tr", { class: "muted" }, h("td", null, "期初结余"), h("td"), h("td"), h("td", { class: "num" }, yuan(statement.opening_balance_fen))),
            statement.lines.map((line) =>
              h(
                "tr",
                null,
                h("td", null, line.item),
                h("td", { class: "num" }, money(line.income_fen)),
                h("td", { class: "num" }, money(line.expense_fen)),
                h("td", { class: "num" }, yuan(line.balance_fen)),
              ),
            ),
          ),
          h(
            "tfoot",
            null,
            h(
              "tr",
              null,
              h("th", null, "合计"),
              h("td", { class: "num" }, yuan(statement.total_income_fen)),
              h("td", { class: "num" }, yuan(statement.total_expense_fen)),
              h("td", { class: "num", testid: "statement-closing" }, yuan(statement.closing_balance_fen)),
            ),
          ),
        ),
      );
    }

    function dataView(data) {
      if (Array.isArray(data.columns) && Array.isArray(data.rows)) {
        return h(
          "div",
          { class: "board-table-wrap" },
          h(
            "table",
            { class: "board-statement" },
            h("thead", null, h("tr", null, data.columns.map((c) => h("th", null, String(c))))),
            h("tbody", null, data.rows.map((row) => h("tr", null, row.map((cell) => h("td", null, String(cell)))))),
          ),
        );
      }
      // a code beside its "<key>_label" shows as the label (as the public page does)
      const rows = Object.entries(data).filter(
        ([k, v]) => !(`${k}_label` in data) && (typeof v === "string" || typeof v === "number") && v !== "",
      );
      const name = (k) => DATA_LABELS[k.replace(/_label$/, "")] || k;
      // the body says it for people; the fields on request
      return h(
        "details",
        { class: "board-data" },
        h("summary", null, "数据明细"),
        h("dl", { class: "message-rows" }, rows.map(([k, v]) => h("div", { class: "message-row" }, h("dt", null, name(k)), h("dd", null, String(v))))),
      );
    }

    function attachments(files) {
      if (!files || !files.length) return null;
      return h(
        "div",
        { class: "board-files", testid: "board-files" },
        files.map((file) =>
          file.kind === "photo"
            ? h("a", { href: file.url, target: "_blank", rel: "noopener" }, h("img", { src: file.thumbnail_url || file.url, alt: "附图", width: 96, height: 96 }))
            : h("a", { href: file.url, class: "board-doc", target: "_blank", rel: "noopener" }, `${file.kind.toUpperCase()} · ${file.filename}`),
        ),
      );
    }

    function versionContent(version) {
      return [
        version.effective_from || version.effective_until
          ? h("div", { class: "cell-desc" }, `有效期：${version.effective_from || "—"} 至 ${version.effective_until || "长期"}`)
          : null,
        version.body_html ? richText(version.body_html) : null,
        version.statement ? statementTable(version.statement) : null,
        version.data ? dataView(version.data) : null,
        attachments(version.attachments),
      ];
    }

    const badges = (post) => [
      post.must_read ? h("span", { class: post.read ? "tag tag-ended" : "tag tag-rejected", testid: "must-read-badge" }, post.read ? "必读·已读" : "必读") : null,
      post.corrected ? h("span", { class: "tag tag-pending", testid: "corrected-badge" }, `已更正·第${post.version}版`) : null,
      post.expired ? h("span", { class: "tag tag-ended" }, "已过期") : null,
    ];

    function postCell(post) {
      return h(
        "button",
        { type: "button", class: "cell tappable", testid: "board-post", dataset: { id: post.id, read: String(Boolean(post.read)) }, onClick: () => go(`#/board-post/${post.id}`) },
        h(
          "span",
          { class: "cell-body" },
          h("div", { class: "cell-title" }, post.title, " ", badges(post)),
          h("div", { class: "cell-desc" }, `${post.publisher_label} · ${fmtTime(post.published_at)}`),
        ),
        h("span", { class: "chevron", "aria-hidden": "true" }),
      );
    }

    function withdrawnList(section) {
      if (!section.withdrawn.length) return null;
      return h(
        "details",
        { class: "board-withdrawn", testid: "board-withdrawn" },
        h("summary", null, `已撤回的公示（${section.withdrawn.length}）`),
        section.withdrawn.map((p) =>
          h(
            "button",
            { type: "button", class: "cell tappable", onClick: () => go(`#/board-post/${p.id}`) },
            h("span", { class: "cell-body" }, h("span", { class: "cell-title" }, p.title), h("span", { class: "cell-desc" }, `${fmtTime(p.withdrawn_at)} 撤回：${p.withdraw_reason}`)),
          ),
        ),
      );
    }

    const stateTag = (section) =>
      section.state === "missing"
        ? h("span", { class: "tag tag-rejected" }, "未公示")
        : section.state === "stale"
          ? h("span", { class: "tag tag-pending" }, "未按期更新")
          : null;

    function sectionBlock(estateId, section) {
      return [
        h(
          "div",
          { class: "section-title", testid: `board-section-${section.code}` },
          h("span", null, section.name, " ", stateTag(section)),
          h("button", { type: "button", class: "link", onClick: () => go(`#/board/${estateId}/section/${section.code}`) }, "栏目详情"),
        ),
        h(
          "div",
          { class: "cells" },
          section.posts.length
            ? section.posts.map(postCell)
            : h("div", { class: "cell" }, h("span", { class: "cell-body cell-desc" }, "暂无公示")),
          withdrawnList(section),
        ),
      ];
    }

    // --- 我的公示栏 -------------------------------------------------------------------------

    function boardsPage(root) {
      setTitle("信息公示");
      root.append(...skeletons(1));
      api("/me/boards")
        .then((boards) => {
          if (boards.length === 1) {
            go(`#/board/${boards[0].estate.id}`);
            return;
          }
          if (!boards.length) {
            root.replaceChildren(h("div", { class: "empty", testid: "boards-empty" }, h("div", { class: "empty-title" }, "绑定房屋后可查看小区公示栏")));
            return;
          }
          root.replaceChildren(
            h(
              "div",
              { class: "cells", testid: "board-list" },
              boards.map((b) =>
                h(
                  "button",
                  { type: "button", class: "cell tappable", onClick: () => go(`#/board/${b.estate.id}`) },
                  h("span", { class: "cell-body" }, h("span", { class: "cell-title" }, b.estate.name)),
                  b.unread_must_read ? h("span", { class: "tag tag-rejected" }, `${b.unread_must_read} 条必读未读`) : null,
                  h("span", { class: "chevron", "aria-hidden": "true" }),
                ),
              ),
            ),
          );
        })
        .catch((err) => {
          if (err.handled) return;
          root.replaceChildren(errorState(err, () => go("#/boards")));
        });
    }

    function boardPage(root, { params }) {
      const estateId = params[0];
      setTitle("信息公示");
      root.append(...skeletons(2));
      api(`/me/estates/${estateId}/board`)
        .then((board) => {
          setTitle(`${board.estate.name} · 公示栏`);
          const posts = board.sections.flatMap((s) => s.posts);
          const unread = posts.filter((p) => p.must_read && !p.read);
          // the newest first, whatever their section (the sections follow the legal order)
          const latest = [...posts].sort((a, b) => String(b.published_at).localeCompare(String(a.published_at))).slice(0, 5);
          const parts = [
            h(
              "div",
              { class: "banner", testid: "board-banner" },
              h("div", { class: "banner-hello" }, board.estate.name),
              h("div", { class: "banner-sub" }, board.estate.service_phone ? `服务与投诉电话 ${board.estate.service_phone}` : "信息公示栏"),
              unread.length ? h("div", { class: "banner-sub", testid: "board-unread" }, `有 ${unread.length} 条必读公示未读`) : null,
            ),
            latest.length ? h("div", { class: "section-title" }, h("span", null, "最新公示")) : null,
            latest.length ? h("div", { class: "cells", testid: "board-latest" }, latest.map(postCell)) : null,
            ...board.sections.flatMap((s) => sectionBlock(estateId, s)),
          ];
          root.replaceChildren(...parts.filter(Boolean));
        })
        .catch((err) => {
          if (err.handled) return;
          root.replaceChildren(errorState(err, () => boardPage(root, { params })));
          fail(err);
        });
    }

    function sectionPage(root, { params }) {
      const [estateId, code] = params;
      setTitle("公示栏目");
      root.append(...skeletons(1));
      api(`/me/estates/${estateId}/board/sections/${encodeURIComponent(code)}`)
        .then((section) => {
          setTitle(section.name);
          root.replaceChildren(
            h("p", { class: "hint", testid: "section-duty" }, `${section.publisher_label}发布 · ${section.freshness_label}`),
            h("p", { class: "hint" }, section.duty),
            ...sectionBlock(estateId, section),
          );
        })
        .catch((err) => {
          if (err.handled) return;
          root.replaceChildren(errorState(err, () => sectionPage(root, { params })));
        });
    }

    // --- 一条公示 ---------------------------------------------------------------------------

    function postPage(root, { params }) {
      setTitle("公示详情");
      root.append(...skeletons(1));
      const load = () =>
        api(`/me/board/posts/${params[0]}`)
          .then(paint)
          .catch((err) => {
            if (err.handled) return;
            root.replaceChildren(errorState(err, load));
          });

      const readButton = (post) => {
        if (post.withdrawn) return null;
        if (post.read) return h("div", { class: "board-read-done", testid: "board-read-done" }, "✓ 我已阅读");
        return h(
          "div",
          { class: "actions" },
          h(
            "button",
            {
              type: "button",
              class: "btn btn-primary",
              testid: "board-mark-read",
              onClick: async (event) => {
                event.target.disabled = true;
                try {
                  await api(`/me/board/posts/${post.id}/read`, { method: "POST" });
                  toast("已标记为已读");
                  load();
                } catch (err) {
                  event.target.disabled = false;
                  fail(err);
                }
              },
            },
            post.must_read ? "我已阅读（必读）" : "标记已读",
          ),
        );
      };

      function paint(post) {
        const trail = post.versions.length > 1
          ? h(
              "div",
              { class: "cells board-trail", testid: "board-trail" },
              h("div", { class: "section-title" }, h("span", null, "更正记录")),
              post.versions.map((v, i) =>
                h(
                  "details",
                  { class: "board-version", testid: "board-version", dataset: { number: v.number } },
                  h(
                    "summary",
                    null,
                    h("b", null, `第 ${v.number} 版`),
                    " ",
                    i === 0 ? h("span", { class: "tag" }, "现行") : h("span", { class: "tag tag-ended" }, "已被更正"),
                    h("div", { class: "cell-desc" }, `${fmtTime(v.published_at)} · ${v.reason || "首次发布"}`),
                  ),
                  h("div", { class: "board-version-title" }, v.title),
                  versionContent(v),
                ),
              ),
            )
          : null;
        root.replaceChildren(
          h(
            "article",
            { class: "board-post", testid: "board-post-detail" },
            h("h2", { class: "board-title", testid: "board-post-title" }, post.title),
            h("div", { class: "board-badges" }, badges(post)),
            h("div", { class: "cell-desc" }, `${post.publisher_label} · ${fmtTime(post.published_at)}`),
            post.withdrawn
              ? h("div", { class: "board-banner board-banner-bad", testid: "board-withdrawn-banner" }, `此公示已于 ${fmtTime(post.withdrawn_at)} 撤回。原因：${post.withdraw_reason}`)
              : null,
            post.corrected
              ? h("div", { class: "board-banner", testid: "board-corrected-banner" }, `已更正 ${post.corrections.length} 次，以下为现行版本。最近更正原因：${post.corrections[post.corrections.length - 1].reason}`)
              : null,
            versionContent(post),
            post.read_share
              ? h("div", { class: "cell-desc", testid: "board-read-share" }, `已读业主 ${post.read_share.read} / ${post.read_share.owners}（${(post.read_share.share * 100).toFixed(1)}%）`)
              : null,
          ),
          ...[readButton(post), trail].filter(Boolean),
        );
      }

      load();
    }

    kit.routes.push(
      { pattern: /^\/boards$/, page: boardsPage },
      { pattern: /^\/board\/(\d+)$/, page: boardPage },
      { pattern: /^\/board\/(\d+)\/section\/([a-z0-9_]{2,40})$/, page: sectionPage },
      { pattern: /^\/board-post\/(\d+)$/, page: postPage },
    );
    kit.PAGES["pages/board/index"] = "#/boards";
    kit.PAGES["pages/board/notice"] = "#/board-post/{id}";
  });
})();
