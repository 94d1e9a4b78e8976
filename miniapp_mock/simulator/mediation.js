/*
 * 邻里 H5 simulator: 人民调解 — ask for mediation of a ticket that did not satisfy, follow
 * the case, agree or refuse (a refusal ends it), and sign the agreement with a drawn
 * signature. Speaks only the resident API (/api/v1/mediation, /api/v1/me/mediation).
 *
 * Loaded before app.js, which hands it its kit (window.LINLI_PAGES).
 */
(() => {
  "use strict";

  const CATEGORIES = [
    ["fees", "物业费用"], ["repairs", "维修与质量"], ["neighbours", "噪音与邻里"], ["parking", "停车"],
    ["common_parts", "共有部分"], ["pets", "宠物"], ["renovation", "装修"], ["other", "其他"],
  ];

  (window.LINLI_PAGES = window.LINLI_PAGES || []).push((kit) => {
    const { h, api, go, setTitle, toast, fail, errorState, resultView, fmtTime, confirmModal } = kit;

    function newCasePage(root, { query }) {
      setTitle("申请人民调解");
      const ticketId = Number(query.get("ticket"));
      let category = "repairs";
      const select = h("select", { testid: "mediation-category" },
        CATEGORIES.map(([value, label]) => h("option", { value }, label)));
      select.value = category;
      select.addEventListener("change", () => (category = select.value));
      const matter = h("textarea", { testid: "mediation-matter", rows: "4", maxlength: "2000",
        placeholder: "请说明争议事项和您的诉求（必填）" });
      const submit = h("button", { type: "button", class: "btn btn-primary", testid: "mediation-submit" }, "提交调解申请");
      submit.addEventListener("click", async () => {
        submit.disabled = true;
        try {
          const c = await api("/mediation/cases", { method: "POST",
            body: { ticket_id: ticketId, category, matter: matter.value.trim() } });
          toast("已提交调解申请", "success");
          go(`#/mediation/${c.id}`);
        } catch (err) {
          submit.disabled = false;
          fail(err);
        }
      });
      root.replaceChildren(h("div", { testid: "mediation-new" },
        h("p", { class: "small muted" }, `工单 T${ticketId} 处理结果不满意，可申请街道人民调解委员会调解。调解自愿、不收费，任何一方拒绝即终止。`),
        h("label", { class: "cell" }, h("span", null, "纠纷类别 "), select),
        h("label", { class: "cell" }, h("span", null, "争议事项"), matter),
        h("div", { class: "actions" }, submit)));
    }

    function signaturePad(onDone) {
      const canvas = h("canvas", { width: "320", height: "140", class: "signature-pad", testid: "signature-pad" });
      const ctx = canvas.getContext("2d");
      ctx.lineWidth = 3;
      ctx.lineCap = "round";
      let drawing = false;
      let drawn = false;
      const at = (e) => {
        const r = canvas.getBoundingClientRect();
        return [((e.clientX - r.left) * canvas.width) / r.width, ((e.clientY - r.top) * canvas.height) / r.height];
      };
      canvas.addEventListener("pointerdown", (e) => { drawing = true; ctx.beginPath(); ctx.moveTo(...at(e)); });
      canvas.addEventListener("pointermove", (e) => { if (drawing) { ctx.lineTo(...at(e)); ctx.stroke(); drawn = true; } });
      ["pointerup", "pointerleave"].forEach((n) => canvas.addEventListener(n, () => (drawing = false)));
      const clear = h("button", { type: "button", class: "btn", testid: "signature-clear" }, "重写");
      clear.addEventListener("click", () => { ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false; });
      const done = h("button", { type: "button", class: "btn btn-primary", testid: "signature-submit" }, "确认签名");
      done.addEventListener("click", () => {
        if (!drawn) return toast("请先在框内手写签名", "error");
        onDone(canvas.toDataURL("image/png"));
      });
      return h("div", { class: "signature" }, h("div", { class: "small" }, "请在下框内手写签名："), canvas, h("div", { class: "actions" }, clear, done));
    }

    function caseView(c, reload) {
      const post = async (path, body, done) => {
        try {
          await api(`/me/mediation/${c.id}/${path}`, { method: "POST", body });
          toast(done, "success");
          reload();
        } catch (err) {
          fail(err);
        }
      };
      const actions = h("div", { class: "actions", testid: "mediation-actions" });
      if (c.actions.includes("consent")) {
        actions.append(h("button", { type: "button", class: "btn btn-primary", testid: "mediation-consent",
          onClick: () => post("consent", { agree: true }, "已同意调解") }, "同意调解"));
      }
      if (c.actions.includes("refuse")) {
        actions.append(h("button", { type: "button", class: "btn btn-warn", testid: "mediation-refuse",
          onClick: async () => {
            if (await confirmModal("拒绝调解", "拒绝后调解即终止（调解自愿），确定吗？", "拒绝")) post("consent", { agree: false }, "已拒绝调解");
          } }, "拒绝调解"));
      }
      if (c.actions.includes("sign")) {
        actions.append(signaturePad((image) => post("signature", { image }, "已签名")));
      }
      return h("div", { testid: "mediation-detail", dataset: { state: c.state } },
        h("div", { class: "unit-card" },
          h("div", { class: "unit-card-head" }, h("strong", null, `M${c.id} · ${c.category_label}`),
            h("span", { class: "tag", testid: "mediation-state" }, c.state_label)),
          h("div", { class: "unit-estate" }, c.estate),
          h("p", null, c.matter),
          h("div", { class: "small" }, c.parties.map((p) => `${p.side_label}：${p.name}（${p.consent_label}）`).join("；"))),
        c.agreement ? h("div", { class: "unit-card", testid: "mediation-agreement" },
          h("strong", null, "调解协议"), h("p", null, c.agreement),
          c.missing_signatures.length ? h("div", { class: "small" }, `待签署：${c.missing_signatures.join("、")}`) : null) : null,
        c.sessions.length ? h("div", { class: "section-title" }, h("span", null, "调解笔录")) : null,
        ...c.sessions.map((s) => h("div", { class: "unit-card" }, h("div", { class: "small muted" }, `${fmtTime(s.held_at)} ${s.place}`), h("p", null, s.record))),
        h("div", { class: "section-title" }, h("span", null, "进度")),
        h("ol", { class: "timeline", testid: "mediation-timeline" },
          [...c.timeline].reverse().map((e) => h("li", { class: "timeline-item" },
            h("div", { class: "timeline-head" }, h("strong", null, e.state_label || e.action_label), h("span", { class: "small muted" }, ` ${fmtTime(e.at)}`)),
            e.note ? h("div", { class: "small" }, e.note) : null))),
        actions);
    }

    function casePage(root, { params }) {
      setTitle("调解进度");
      const load = () => api(`/me/mediation/${params[0]}`)
        .then((c) => root.replaceChildren(caseView(c, load)))
        .catch((err) => { if (err.handled) return; root.replaceChildren(errorState(err, load)); fail(err); });
      load();
    }

    function casesPage(root) {
      setTitle("我的调解");
      api("/me/mediation?page_size=50")
        .then((cases) => root.replaceChildren(cases.length
          ? h("div", { class: "cells", testid: "mediation-list" }, cases.map((c) =>
              h("a", { class: "cell", href: `#/mediation/${c.id}` }, h("span", null, `M${c.id} ${c.category_label}`), h("span", { class: "small" }, c.state_label))))
          : resultView({ iconName: "info", title: "暂无调解案件", lines: ["工单处理结果不满意时，可在工单详情中申请人民调解。"], testid: "mediation-empty" })))
        .catch((err) => { if (!err.handled) fail(err); });
    }

    kit.routes.push(
      { pattern: /^\/mediation$/, page: casesPage },
      { pattern: /^\/mediation\/new$/, page: newCasePage },
      { pattern: /^\/mediation\/(\d+)$/, page: casePage },
    );
  });
})();
