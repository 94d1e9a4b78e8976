/*
 * 邻里 H5 simulator: 物业缴费 — my bills, paying them through the fake WeChat Pay sheet,
 * payment history and receipts with their QR code.
 *
 * Loaded before app.js; app.js hands each entry of window.LINLI_PAGES its kit (h, api, go…)
 * so that these pages share its helpers. Data from the server is always put in as text.
 */
(() => {
  "use strict";

  const yuan = (fen) => {
    const n = Math.abs(Number(fen) || 0);
    const whole = Math.floor(n / 100).toLocaleString("en-US");
    return `${fen < 0 ? "-" : ""}¥${whole}.${String(n % 100).padStart(2, "0")}`;
  };

  (window.LINLI_PAGES = window.LINLI_PAGES || []).push((kit) => {
    const { h, api, mock, go, setTitle, toast, fail, skeletons, errorState, resultView, fmtTime, askFamily, displayUrl } = kit;

    // --- 我的账单 ----------------------------------------------------------------------------

    function billsPage(root, { query }) {
      setTitle("物业缴费");
      let status = query.get("status") || "unpaid";
      const selected = new Set();
      const list = h("div", { testid: "bill-list" });
      const total = h("span", { testid: "pay-total" }, yuan(0));
      const payButton = h(
        "button",
        { type: "button", class: "btn btn-primary", testid: "pay-selected", disabled: true },
        "去缴费",
      );
      const bar = h("div", { class: "pay-bar" }, h("span", null, "合计 "), total, payButton);
      // 请家人帮忙: the others bound to the unit get a message and may pay the chosen bills
      const familyButton = h(
        "button",
        { type: "button", class: "btn", testid: "ask-family", disabled: true },
        "请家人帮忙缴选中的账单",
      );
      familyButton.addEventListener("click", async () => {
        for (const id of [...selected]) await askFamily({ bill_id: id });
      });
      let bills = [];

      const paint = () => {
        const sum = bills.filter((b) => selected.has(b.id)).reduce((s, b) => s + b.due_fen, 0);
        total.textContent = yuan(sum);
        payButton.disabled = selected.size === 0;
        familyButton.disabled = selected.size === 0;
        bar.hidden = status !== "unpaid";
      };

      const load = async () => {
        list.replaceChildren(...skeletons(2));
        selected.clear();
        try {
          bills = await api(`/me/bills?status=${status}&page_size=100`);
          if (!bills.length) {
            list.replaceChildren(
              h(
                "div",
                { class: "empty", testid: "bills-empty" },
                h("div", { class: "empty-title" }, status === "unpaid" ? "没有待缴账单" : "暂无账单"),
              ),
            );
          } else {
            list.replaceChildren(...bills.map(billCell));
          }
          paint();
        } catch (err) {
          if (err.handled) return;
          list.replaceChildren(errorState(err, load));
          fail(err);
        }
      };

      function billCell(bill) {
        const payable = bill.status === "unpaid" && !bill.in_payment;
        const box = payable
          ? h("input", {
              type: "checkbox",
              testid: `bill-check-${bill.id}`,
              "aria-label": `选择 ${bill.fee_item} ${bill.period}`,
              onChange: (event) => {
                if (event.target.checked) selected.add(bill.id);
                else selected.delete(bill.id);
                paint();
              },
            })
          : null;
        const state = bill.in_payment ? "支付中" : bill.status_label;
        return h(
          "label",
          { class: "cell bill-cell", testid: "bill-cell", dataset: { billId: bill.id, status: bill.status } },
          box,
          h(
            "span",
            { class: "cell-body" },
            h("span", { class: "cell-title" }, `${bill.fee_item} · ${bill.period}`),
            h("span", { class: "cell-desc" }, `${bill.estate} ${bill.unit} · ${bill.quantity} × ${bill.price_yuan} 元`),
          ),
          h(
            "span",
            { class: "cell-value" },
            h("span", { class: "bill-amount" }, yuan(bill.due_fen)),
            h("span", { class: "cell-desc" }, state),
          ),
        );
      }

      payButton.addEventListener("click", async () => {
        const ids = [...selected];
        // on the tap, as the mini-app must: consent for the receipt and reminder messages
        await window.linli.askSubscribe("payment");
        try {
          const order = await api("/me/payments", { method: "POST", body: { bill_ids: ids } });
          paySheet(order, ids);
        } catch (err) {
          fail(err);
          load();
        }
      });

      const tabs = h("div", { class: "segmented", role: "radiogroup" });
      for (const [value, label] of [["unpaid", "待缴"], ["paid", "已缴"], ["waived", "已减免"]]) {
        tabs.append(
          h(
            "button",
            {
              type: "button",
              class: value === status ? "chip selected" : "chip",
              testid: `bills-tab-${value}`,
              onClick: (event) => {
                status = value;
                for (const chip of tabs.children) chip.classList.toggle("selected", chip === event.target);
                load();
              },
            },
            label,
          ),
        );
      }
      root.append(
        tabs,
        list,
        bar,
        h(
          "div",
          { class: "actions" },
          h("button", { type: "button", class: "btn", testid: "go-payments", onClick: () => go("#/payments") }, "缴费记录"),
          familyButton,
        ),
        h("p", { class: "hint" }, "欠费不影响您使用任何服务。缴费后可在缴费记录中查看电子收据。"),
      );
      load();
    }

    /** The fake WeChat Pay sheet: what wx.requestPayment shows on the phone. */
    function paySheet(order, billIds) {
      const mask = h("div", { class: "mask", testid: "pay-sheet-mask" });
      const confirm = h("button", { type: "button", class: "btn btn-primary", testid: "pay-confirm" }, "确认支付");
      const cancel = h("button", { type: "button", class: "btn", testid: "pay-cancel" }, "取消");
      const sheet = h(
        "div",
        { class: "pay-sheet", testid: "pay-sheet", role: "dialog", "aria-label": "微信支付" },
        h("div", { class: "pay-sheet-title" }, "微信支付（模拟）"),
        h("div", { class: "pay-sheet-amount", testid: "pay-sheet-amount" }, yuan(order.total_fen)),
        h("div", { class: "cell-desc" }, `订单号 ${order.out_trade_no}`),
        h("div", { class: "actions" }, confirm, cancel),
      );
      const close = () => {
        mask.remove();
        sheet.remove();
      };
      cancel.addEventListener("click", () => {
        close();
        toast("已取消支付");
      });
      confirm.addEventListener("click", async () => {
        confirm.disabled = true;
        const prepayId = String(order.pay_params.package || "").replace(/^prepay_id=/, "");
        try {
          await mock("/pay/complete", { method: "POST", body: { prepay_id: prepayId } });
          close();
          await waitForReceipt(billIds[0]);
        } catch (err) {
          confirm.disabled = false;
          fail(err);
        }
      });
      document.body.append(mask, sheet);
    }

    /** After paying, the bill is credited when WeChat Pay's notification arrives. */
    async function waitForReceipt(billId) {
      for (let i = 0; i < 20; i += 1) {
        const bill = await api(`/me/bills/${billId}`);
        if (bill.status === "paid" && bill.payment_id) {
          toast("支付成功", "success");
          go(`#/receipt/${bill.payment_id}`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      toast("支付结果确认中，请稍后在缴费记录中查看");
      go("#/payments");
    }

    // --- 缴费记录与收据 ------------------------------------------------------------------------

    function paymentsPage(root) {
      setTitle("缴费记录");
      const list = h("div", { class: "cells", testid: "payment-list" }, skeletons(1));
      root.append(list);
      api("/me/payments?page_size=100")
        .then((payments) => {
          if (!payments.length) {
            list.replaceChildren(h("div", { class: "empty", testid: "payments-empty" }, h("div", { class: "empty-title" }, "暂无缴费记录")));
            return;
          }
          list.replaceChildren(
            ...payments.map((p) =>
              h(
                "button",
                { type: "button", class: "cell tappable", testid: "payment-cell", onClick: () => go(`#/receipt/${p.id}`) },
                h(
                  "span",
                  { class: "cell-body" },
                  h("span", { class: "cell-title" }, `${p.estate} · ${p.method_label}`),
                  h("span", { class: "cell-desc" }, `${fmtTime(p.paid_at)} · 收据 ${p.receipt_no}`),
                ),
                h("span", { class: "cell-value" }, yuan(p.amount_fen), h("span", { class: "cell-desc" }, p.status_label)),
              ),
            ),
          );
        })
        .catch((err) => {
          if (!err.handled) fail(err);
        });
    }

    function receiptPage(root, { params }) {
      setTitle("电子收据");
      root.append(...skeletons(1));
      api(`/me/payments/${params[0]}/receipt`)
        .then((r) => {
          root.replaceChildren(
            h(
              "div",
              { class: "receipt-card", testid: "receipt" },
              h("div", { class: "receipt-title" }, `${r.estate} 物业费收据`),
              h("div", { class: "receipt-amount", testid: "receipt-amount" }, yuan(r.amount_fen)),
              h(
                "dl",
                { class: "message-rows" },
                [
                  ["收据编号", r.receipt_no, "receipt-no"],
                  ["支付方式", r.method_label],
                  ["支付时间", fmtTime(r.paid_at)],
                  ["状态", r.status_label, "receipt-status"],
                ].map(([k, v, testid]) => h("div", { class: "message-row" }, h("dt", null, k), h("dd", { testid }, v))),
              ),
              h(
                "div",
                { class: "cells" },
                r.bills.map((b) =>
                  h(
                    "div",
                    { class: "cell" },
                    h("span", { class: "cell-body" }, `${b.fee_item} · ${b.period} · ${b.unit}`),
                    h("span", { class: "cell-value" }, yuan(b.due_fen)),
                  ),
                ),
              ),
              h("img", { class: "receipt-qr", src: r.qr_url, alt: "收据验证二维码", width: 160, height: 160, testid: "receipt-qr" }),
              h("a", { href: displayUrl(r.verify_url), target: "_blank", rel: "noopener", class: "link", testid: "receipt-verify" }, "扫码或点此验证收据"),
            ),
          );
        })
        .catch((err) => {
          if (err.handled) return;
          root.replaceChildren(resultView({ iconName: "warn", title: "收据读取失败", lines: [err.message], testid: "receipt-error" }));
        });
    }

    kit.routes.push(
      { pattern: /^\/bills$/, page: billsPage },
      { pattern: /^\/payments$/, page: paymentsPage },
      { pattern: /^\/receipt\/(\d+)$/, page: receiptPage },
    );
    kit.PAGES["pages/bills/index"] = "#/bills";
    kit.PAGES["pages/fees/bills"] = "#/bills";
    kit.PAGES["pages/fees/receipt"] = "#/receipt/{id}";
  });
})();
