"""`tunewiz serve`'s printed lines (tui/commands/serve.py, tui/serve.py)."""

EN = {
    "serve.served-at": "tunewiz is served at {url}",
    "serve.open": "Open that URL in a browser; the token in it is printed only here (a cookie keeps it after the "
                  "first visit).",
    "serve.local-only": "It listens on this machine only. From your laptop, forward the port over SSH, then open the "
                        "same URL there:",
    "serve.tabs": "Each browser tab runs its own tunewiz; Ctrl+C here stops the server and those apps (runs keep "
                  "training).",
    "serve.remote-warning": "WARNING: listening on {host}, not only on this machine. Anyone who can reach this port "
                            "and has the token drives tunewiz, which starts training and reads and writes files here "
                            "as this user; the connection is plain HTTP (not encrypted). Prefer the default "
                            "(127.0.0.1) with `ssh -L`.",
    "serve.stopping": "stopping: closing the browser sessions",
    "serve.needs-allow-remote": "error: --host {host} lets other machines reach the app, which runs training here; "
                                "add --allow-remote to mean it, or keep the default 127.0.0.1 and use "
                                "ssh -L {port}:127.0.0.1:{port} from your laptop.",
    "serve.cannot-listen": "cannot listen on {host}:{port}: {reason}. Pick another port with --port N "
                           "(--port 0 picks a free one).",
    "serve.error": "error: {error}",
}
ZH = {
    "serve.served-at": "tunewiz 已在此地址提供服务：{url}",
    "serve.open": "请在浏览器中打开这个 URL；其中的令牌只在这里显示一次（首次访问后由 cookie 保存）。",
    "serve.local-only": "它只在本机监听。请在你的笔记本上通过 SSH 转发端口，然后在那里打开同一个 URL：",
    "serve.tabs": "每个浏览器标签页运行各自的 tunewiz；在这里按 Ctrl+C 会停止服务器和这些应用（训练会继续进行）。",
    "serve.remote-warning": "警告：正在 {host} 上监听，不只是本机。任何能访问这个端口并持有令牌的人都能操作 tunewiz，"
                            "它会以当前用户身份在这里启动训练、读写文件；连接是明文 HTTP（未加密）。"
                            "建议使用默认地址（127.0.0.1）配合 `ssh -L`。",
    "serve.stopping": "正在停止：关闭浏览器会话",
    "serve.needs-allow-remote": "错误：--host {host} 会让其他机器访问这个应用，而它在这里运行训练；如果确实需要，"
                                "请加上 --allow-remote，或保留默认的 127.0.0.1，在笔记本上使用 "
                                "ssh -L {port}:127.0.0.1:{port}。",
    "serve.cannot-listen": "无法在 {host}:{port} 上监听：{reason}。请用 --port N 换一个端口（--port 0 会自动选一个空闲端口）。",
    "serve.error": "错误：{error}",
}
