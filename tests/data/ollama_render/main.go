// Test helper for tests/test_export_serving.py. Renders an Ollama-style TEMPLATE with Go's text/template: argv[1] = template file; stdin = JSON
// {"Messages": [{"Role":..., "Content":...}], "System": "", "Prompt": "", "Response": ""}.
package main

import (
	"encoding/json"
	"os"
	"text/template"
)

type Message struct {
	Role    string
	Content string
}

type Values struct {
	Messages []Message
	System   string
	Prompt   string
	Response string
}

func main() {
	text, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	tmpl := template.Must(template.New("t").Parse(string(text)))
	var v Values
	if err := json.NewDecoder(os.Stdin).Decode(&v); err != nil {
		panic(err)
	}
	if err := tmpl.Execute(os.Stdout, v); err != nil {
		panic(err)
	}
}
