"""Rebuilds the deliberately broken sample files in this folder (see README.md). Deterministic.

    python sample_data/broken/make_broken.py            # writes into this folder
    python sample_data/broken/make_broken.py --out DIR  # somewhere else (tests/test_sample_data.py)
"""
import argparse
import gzip
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def j(o):
    return json.dumps(o, ensure_ascii=False)


def chat(u, a, s=None):
    m = ([{"role": "system", "content": s}] if s else []) + [{"role": "user", "content": u}, {"role": "assistant", "content": a}]
    return {"messages": m}


def lines(rows):
    return "".join(j(r) + "\n" for r in rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: this folder)")
    out = ap.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    good = [chat("我的快递三天了还没到，怎么回事？", "非常抱歉让您久等了。请提供一下订单号，我马上帮您查询物流进度。", "你是某电商平台的客服，语气礼貌、简洁。"),
            chat("Can I return a dress I bought last week?", "Yes. Items can be returned within 7 days of delivery if unworn; open Orders → Return and print the label."),
            chat("退款什么时候到账？", "退款审核通过后，一般 3–5 个工作日原路退回，请留意银行通知。")]
    w = lambda name, text: (out / name).write_text(text, encoding="utf-8")  # noqa: E731

    (out / "gbk_encoded.jsonl").write_bytes(lines(good).encode("gbk"))
    w("bom_blank_truncated.jsonl", "\ufeff" + j(good[0]) + "\n\n" + j(good[1]) + "\n\n\n" + j(good[2]) + "\n" + j(good[0])[:60])
    w("pretty_printed.jsonl", "\n".join(json.dumps(r, ensure_ascii=False, indent=2) for r in good) + "\n")
    w("role_order.jsonl", lines([
        {"messages": [{"role": "user", "content": "你好"}, {"role": "system", "content": "你是客服。"}, {"role": "assistant", "content": "您好！"}]},
        {"messages": [{"role": "assistant", "content": "您好，请问有什么可以帮您？"}, {"role": "user", "content": "查订单"}, {"role": "assistant", "content": "请提供订单号。"}]},
        {"messages": [{"role": "user", "content": "在吗"}, {"role": "user", "content": "在吗？？"}, {"role": "assistant", "content": "在的，请讲。"}]},
        {"messages": [{"role": "user", "content": "我要投诉"}]},
        {"messages": [{"role": "user", "content": "谢谢"}, {"role": "assistant", "content": "不客气"}, {"role": "user", "content": "再见"}]},
        {"messages": [{"role": "customer", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]},
        {"messages": [{"role": "user", "content": "天气？"}, {"role": "tool", "content": "{\"temp\": 20}"}, {"role": "assistant", "content": "20 度。"}]},
        {"messages": [{"role": "user", "content": "改地址"}, {"role": "assistant", "content": "   "}]},
    ]))
    w("sharegpt_tool_order.json", json.dumps([
        {"conversations": [{"from": "human", "value": "查一下北京天气"},
                           {"from": "function_call", "value": "{\"name\": \"weather\", \"arguments\": {\"city\": \"北京\"}}"},
                           {"from": "gpt", "value": "北京今天晴。"}],
         "tools": "[{\"name\": \"weather\", \"description\": \"查天气\", \"parameters\": {\"type\": \"object\"}}]"},
        {"conversations": [{"from": "human", "value": "算 2+2"}, {"from": "observation", "value": "4"}, {"from": "gpt", "value": "等于 4。"}]},
        {"conversations": [{"from": "human", "value": "hi"}, {"from": "bot", "value": "hello"}]},
    ], ensure_ascii=False, indent=2) + "\n")
    w("pii_placeholders.jsonl", lines([
        chat("我的手机号是多少来着？", "您登记的手机号是 13812345678，如需修改请在设置中操作。"),
        chat("发票寄到哪里？", "已发送到您的邮箱 zhang.wei@example-corp.cn，请查收。"),
        chat("核对一下身份信息", "系统中登记的身份证号为 11010519491231002X。"),
        chat("API 怎么调？", "把密钥 sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 填进配置即可。"),
        chat("你是谁？", "我是 {{name}}，由 {{author}} 开发的智能助手。"),
        chat("退货地址？", "请寄到 XXX 省 XXX 市，收件人：[姓名]。"),
        chat("Any update?", "TODO: write the answer"),
        chat("产品介绍", "Lorem ipsum dolor sit amet, consectetur adipiscing elit."),
        chat("怎么联系你们", "<p>请拨打客服热线&nbsp;400-800-1234</p>"),
        chat("订单状态", "é”Ÿæ–¤æ‹·ï¼šæ‚¨çš„è®¢å•å·²å‘è´§"),
        chat("有什么优惠？", "满 300 减 50\u200b，\u0007限时三天。"),
        chat("还有吗", "……"),
    ]))
    base = [chat(f"订单 {i} 什么时候发货？", f"您的订单 {i} 将在 24 小时内发货，发货后会短信通知您。") for i in range(1, 7)]
    w("duplicates.jsonl", lines(base + [base[0], base[1], chat("订单 3  什么时候发货？", "您的订单 3 将在 24 小时内发货，发货后会短信通知您。  "),
                                         chat("What is the RETURN policy?", "Returns are accepted within 7 days."),
                                         chat("what is the return  policy?", "returns are accepted within 7 days.")]))
    w("duplicates_eval.jsonl", lines([base[4], chat("能开发票吗？", "可以，在订单详情页申请电子发票。")]))
    w("alpaca_problems.json", json.dumps([
        {"instruction": "把这句话翻译成英文", "input": "我们会尽快处理", "output": "We will handle it as soon as possible."},
        {"instruction": "给这条评价打标签", "input": "东西不错"},
        {"instruction": "1 + 1 等于几？", "input": "", "output": 2},
        {"instruction": "继续", "input": "", "output": "好的", "history": [["你好"]]},
        {"instruction": "", "input": "", "output": "空指令的回答"},
        chat("这一行是 OpenAI 格式", "混在 Alpaca 文件里"),
    ], ensure_ascii=False, indent=2) + "\n")
    labels = ["好评", "差评", "中评"]
    texts = ["物流很快，包装完好", "质量太差了，退货", "一般般吧", "客服态度很好", "等了一周才到", "还行，凑合用", "非常满意，会回购", "颜色和图片不一样",
             "性价比高", "做工粗糙", "尺码偏小", "发货速度快", "不值这个价", "东西还可以", "包装破损", "超出预期", "描述相符", "有异味", "味道不错",
             "用了两天就坏了", "孩子很喜欢", "跟买家秀差太多", "正品，放心", "客服不理人"]
    w("short_answers.jsonl", lines([chat(f"给这条评价打标签：{t}", labels[i % 3]) for i, t in enumerate(texts)]))
    (out / "empty.jsonl").write_bytes(b"")
    # mtime=0 keeps the gzip bytes identical between runs.
    (out / "compressed.jsonl").write_bytes(gzip.compress(lines(good).encode(), mtime=0))


if __name__ == "__main__":
    main()
