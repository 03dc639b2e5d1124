const fs=require('fs');
const f=fs.readdirSync('/tmp/prof').sort()[0];
const p=JSON.parse(fs.readFileSync('/tmp/prof/'+f));
const byId=new Map(p.nodes.map(n=>[n.id,n]));
const parent=new Map();for(const n of p.nodes)for(const c of (n.children||[]))parent.set(c,n.id);
const dt=p.timeDeltas;const self=new Map();const incl=new Map();let total=0;
// only last 60% of samples (load phase)
const start=0;
p.samples.forEach((s,i)=>{if(i<start)return;const t=dt[i]||0;total+=t;const seen=new Set();let id=s;let first=true;while(id!==undefined){const n=byId.get(id);const k=n.callFrame.functionName+' '+n.callFrame.url.split('/').slice(-2).join('/')+':'+n.callFrame.lineNumber;if(first){self.set(k,(self.get(k)||0)+t);first=false;}if(!seen.has(k)){incl.set(k,(incl.get(k)||0)+t);seen.add(k);}id=parent.get(id);}});
console.log('total ms',total/1000);
console.log('--- self');
[...self.entries()].sort((a,b)=>b[1]-a[1]).slice(0,25).forEach(([k,t])=>console.log((t/1000).toFixed(0).padStart(7),(100*t/total).toFixed(1).padStart(5)+'%',k));
console.log('--- inclusive');
[...incl.entries()].sort((a,b)=>b[1]-a[1]).slice(0,60).forEach(([k,t])=>console.log((t/1000).toFixed(0).padStart(7),(100*t/total).toFixed(1).padStart(5)+'%',k));
