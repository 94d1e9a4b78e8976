/*
 * 邻里 H5 simulator: 维修资金 — my units' maintenance-fund accounts (balance, 续筹 flag and
 * entries), the uses that charge my units with their state, vote, payments, documents and
 * trail. Only owners see the fund (《民法典》第二百八十一条: the fund belongs to the owners).
 *
 * Loaded before app.js; app.js hands each entry of window.LINLI_PAGES its kit (h, api, go…).
 * Data from the server is always put in as text. Amounts are integer fen from the server.
 */
(() => {
  "use strict";

  const yuan = (fen) => {
    const n = Math.abs(Number(fen) || 0);
    const whole = Math.floor(n / 100).toLocaleString("en-US");
    return `${fen < 0 ? "-" : ""}¥${whole}.${String(n % 100).padStart(2, "0")}`;
  };
  const DONE = new Set(["disclosed", "closed"]);

  (window.LINLI_PAGES = window.LINLI_PAGES || []).push((kit) => {
    const { h, api, go, setTitle, fail, skeletons, errorState, fmtTime } = kit;

    const row = (label, value, testid) => h("div", { class: "message-row" }, h("dt", null, label), h("dd", { testid }, value));
    const stateTag = (u) =>
      h("span", { class: `tag ${DONE.has(u.state) ? "tag-ended" : "tag-pending"}`, testid: "fund-use-state", dataset: { state: u.state } }, u.state_label);

    function loadInto(root, path, view) {
      const load = () => {
        root.replaceChildren(...skeletons(2));
        api(path)
          .then((data) => root.replaceChildren(view(data)))
          .catch((err) => {
            if (err.handled) return;
            root.replaceChildren(errorState(err, load));
            fail(err);
          });
      };
      load();
    }

    // --- 我的维修资金 ----------------------------------------------------------------------------

    function fundPage(root) {
      setTitle("维修资金");
      const accounts = h("div", { testid: "fund-accounts" });
      const usesBox = h("div", { testid: "fund-uses" });
      root.replaceChildren(
        accounts,
        h("div", { class: "section-title" }, h("span", null, "分摊到我家的使用事项")),
        usesBox,
        h("p", { class: "hint" }, "维修资金归业主所有；一般使用须列支范围内业主表决，应急使用免表决但须事后公示。"),
      );
      loadInto(accounts, "/me/fund", (list) => {
        if (!list.length) {
          return h(
            "div",
            { class: "empty", testid: "fund-empty" },
            h("div", { class: "empty-title" }, "暂无维修资金分户账"),
            h("div", { class: "empty-desc" }, "维修资金分户账仅向房屋的业主显示。"),
          );
        }
        return h("div", null, list.map(accountCard));
      });
      loadInto(usesBox, "/me/fund/uses", (list) => {
        if (!list.length) {
          return h("div", { class: "empty", testid: "fund-uses-empty" }, h("div", { class: "empty-title" }, "暂无分摊到您房屋的使用事项"));
        }
        return h(
          "div",
          { class: "cells", testid: "fund-use-list" },
          list.map((u) =>
            h(
              "button",
              { type: "button", class: "cell tappable", testid: "fund-use-cell", dataset: { useId: u.id, state: u.state }, onClick: () => go(`#/fund/uses/${u.id}`) },
              h(
                "span",
                { class: "cell-body" },
                h("span", { class: "cell-title" }, u.title),
                h("span", { class: "cell-desc" }, `${u.kind_label} · 预算 ${yuan(u.budget_fen)} · 我家已分摊 ${yuan(u.my_share_fen)}`),
              ),
              h("span", { class: "cell-value" }, stateTag(u)),
            ),
          ),
        );
      });
    }

    function accountCard(a) {
      const flag = a.overdrawn ? "已透支，请续筹" : a.needs_top_up ? "余额低于续筹线，请续筹" : "";
      return h(
        "div",
        { class: "cells", testid: "fund-account", dataset: { unitId: a.unit_id } },
        h(
          "div",
          { class: "cell" },
          h("span", { class: "cell-body" }, h("span", { class: "cell-title" }, a.unit), h("span", { class: "cell-desc" }, `面积 ${a.area} m² · 首期交存 ${yuan(a.initial_fen)}`)),
          h("span", { class: "cell-value" }, h("strong", { testid: "fund-balance" }, yuan(a.balance_fen))),
        ),
        flag ? h("div", { class: "cell small", testid: "fund-top-up" }, flag) : null,
        a.entries.length
          ? a.entries.map((e) =>
              h(
                "div",
                { class: "cell small", testid: "fund-entry", dataset: { kind: e.kind } },
                h("span", { class: "cell-body" }, h("span", null, `${e.booked_on} ${e.kind_label}`), e.memo ? h("span", { class: "cell-desc" }, e.memo) : null),
                h("span", { class: "cell-value" }, yuan(e.amount_fen)),
              ),
            )
          : h("div", { class: "cell small" }, "暂无明细"),
      );
    }

    // --- 使用事项详情 ----------------------------------------------------------------------------

    function usePage(root, { params }) {
      const id = params[0];
      setTitle("维修资金使用");
      loadInto(root, `/me/fund/uses/${id}`, (u) =>
        h(
          "div",
          { testid: "fund-use" },
          h(
            "div",
            { class: "unit-card" },
            h("div", { class: "unit-card-head" }, h("span", { class: "unit-estate" }, u.kind_label), stateTag(u)),
            h("div", { class: "unit-number", testid: "fund-use-title" }, u.title),
          ),
          h(
            "dl",
            { class: "message-rows vote-rows" },
            row("类型", u.kind_label + (u.emergency_category_label ? `（${u.emergency_category_label}）` : ""), "fund-use-kind"),
            row("预算", yuan(u.budget_fen), "fund-use-budget"),
            row("已划款", yuan(u.paid_fen), "fund-use-paid"),
            row("我家已分摊", yuan(u.my_share_fen), "fund-use-share"),
            row("列支范围", `${u.units} 户，按专有部分面积分摊`, "fund-use-units"),
            u.contractor ? row("施工单位", u.contractor, "fund-use-contractor") : null,
            u.items ? row("维修项目", u.items, "fund-use-items") : null,
          ),
          u.motion_id
            ? h("div", { class: "actions" }, h("button", { type: "button", class: "btn btn-primary", testid: "fund-use-vote", onClick: () => go(`#/votes/${u.motion_id}`) }, "查看业主表决"))
            : null,
          h("div", { class: "section-title" }, h("span", null, "附件")),
          u.documents.length
            ? h(
                "div",
                { class: "cells", testid: "fund-use-documents" },
                u.documents.map((d) =>
                  h(
                    "a",
                    { class: "cell tappable", href: d.url, target: "_blank", rel: "noopener", testid: "fund-use-document" },
                    h("span", { class: "cell-body" }, h("span", { class: "cell-title" }, d.filename), h("span", { class: "cell-desc" }, d.document_kind_label)),
                  ),
                ),
              )
            : (u.photos || []).length
              ? null
              : h("div", { class: "cells" }, h("div", { class: "cell small", testid: "fund-use-no-documents" }, "暂无附件")),
          (u.photos || []).length
            ? h(
                "div",
                { class: "photo-strip", testid: "fund-use-photos" },
                u.photos.map((p, i) => h("a", { href: p.url, target: "_blank", rel: "noopener", class: "photo-thumb" }, h("img", { src: p.thumbnail_url, alt: `${p.document_kind_label} 照片 ${i + 1}` }))),
              )
            : null,
          u.payments.length
            ? h(
                "div",
                { class: "cells", testid: "fund-use-payments" },
                h("div", { class: "cell small" }, "划款记录"),
                u.payments.map((p) => h("div", { class: "cell small" }, `第 ${p.instalment} 期 · ${p.paid_on} · ${yuan(p.amount_fen)}`)),
              )
            : null,
          h("div", { class: "section-title" }, h("span", null, "办理记录")),
          h(
            "div",
            { class: "cells", testid: "fund-use-trail" },
            u.events.map((e) => h("div", { class: "cell small" }, `${fmtTime(e.at)} ${e.action_label}${e.note ? `：${e.note}` : ""}`)),
          ),
        ),
      );
    }

    kit.routes.push({ pattern: /^\/fund$/, page: fundPage }, { pattern: /^\/fund\/uses\/(\d+)$/, page: usePage });
    kit.PAGES["pages/fund/use"] = "#/fund/uses/{id}";
  });
})();
